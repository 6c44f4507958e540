// Composes the producer: global middleware, routes, docs. No logic lives here.
import { createApp, registerDocs } from "./app";
import { requireAdmin, requireApiKey } from "./middleware/auth";
import { limitBody, requireJson } from "./middleware/body";
import { requestContext } from "./middleware/request-id";
import { registerListDeadLetters } from "./routes/admin.dead-letters.list";
import { registerReplayDeadLetters } from "./routes/admin.dead-letters.replay";
import { registerHealth } from "./routes/health";
import { registerCancelJob } from "./routes/jobs.cancel";
import { registerCreateJob } from "./routes/jobs.create";
import { registerJobEvents } from "./routes/jobs.events";
import { registerGetJob } from "./routes/jobs.get";
import { registerJobImage } from "./routes/jobs.image";
import { registerListJobs } from "./routes/jobs.list";

const app = createApp();
app.use("*", requestContext);
app.use("/v1/*", limitBody, requireJson, requireApiKey);
app.use("/v1/admin/*", requireAdmin);

registerHealth(app);
registerCreateJob(app);
registerListJobs(app);
registerGetJob(app);
registerJobEvents(app);
registerJobImage(app);
registerCancelJob(app);
registerListDeadLetters(app);
registerReplayDeadLetters(app);
registerDocs(app);

export default app satisfies ExportedHandler<ProducerEnv>;
