// Composes the producer: global middleware, routes, docs. No logic lives here.
import { createApp, registerDocs } from "./app";
import { requireApiKey } from "./middleware/auth";
import { limitBody, requireJson } from "./middleware/body";
import { requestContext } from "./middleware/request-id";
import { registerHealth } from "./routes/health";
import { registerCreateJob } from "./routes/jobs.create";
import { registerJobEvents } from "./routes/jobs.events";
import { registerGetJob } from "./routes/jobs.get";
import { registerJobImage } from "./routes/jobs.image";
import { registerListJobs } from "./routes/jobs.list";

const app = createApp();
app.use("*", requestContext);
app.use("/v1/*", limitBody, requireJson, requireApiKey);

registerHealth(app);
registerCreateJob(app);
registerListJobs(app);
registerGetJob(app);
registerJobEvents(app);
registerJobImage(app);
registerDocs(app);

export default app satisfies ExportedHandler<ProducerEnv>;
