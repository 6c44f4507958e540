// zod for every module the consumer Worker bundles: import it as `import * as z from "../zod-mini"`.
// zod/mini tree-shakes to the schemas a module uses (~50 KB), where classic `zod` brings every
// schema type and its 40 locales (~750 KB). Classic zod (and `@hono/zod-openapi`) stays in the
// schemas only the producer's OpenAPI routes use. Mini sets no locale: this sets English, as
// classic zod does, so validation messages read the same in both Workers.
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";

z.config(en());

export * from "zod/mini";
