// Composes the producer: global middleware, routes, docs. No logic lives here.
import { createApp, registerDocs } from "./app";
import { registerArchiveProject } from "./routes/admin.projects.archive";
import { registerCreateProject } from "./routes/admin.projects.create";
import { registerGetProject } from "./routes/admin.projects.get";
import { registerListProjects } from "./routes/admin.projects.list";
import { registerUpdateProject } from "./routes/admin.projects.update";
import { registerCreateUser } from "./routes/admin.users.create";
import { registerDisableUser } from "./routes/admin.users.disable";
import { registerGetUser } from "./routes/admin.users.get";
import { registerAssignUserInstance } from "./routes/admin.users.instances.assign";
import { registerListUserInstances } from "./routes/admin.users.instances.list";
import { registerUnassignUserInstance } from "./routes/admin.users.instances.unassign";
import { registerListUsers } from "./routes/admin.users.list";
import { registerUpdateUser } from "./routes/admin.users.update";
import { registerCreateApiKey } from "./routes/admin.api-keys.create";
import { registerListApiKeys } from "./routes/admin.api-keys.list";
import { registerRevokeApiKey } from "./routes/admin.api-keys.revoke";
import { registerRotateApiKey } from "./routes/admin.api-keys.rotate";
import { registerArchiveInstance } from "./routes/admin.instances.archive";
import { registerCreateInstance } from "./routes/admin.instances.create";
import { registerGetInstance } from "./routes/admin.instances.get";
import { registerListInstances } from "./routes/admin.instances.list";
import { registerUpdateInstance } from "./routes/admin.instances.update";
import { registerCreateOrganization } from "./routes/admin.organizations.create";
import { registerGetOrganization } from "./routes/admin.organizations.get";
import { registerListOrganizations } from "./routes/admin.organizations.list";
import { registerUpdateOrganization } from "./routes/admin.organizations.update";
import { registerGetMe } from "./routes/me.get";
import { registerListAuditLog } from "./routes/admin.audit-log.list";
import { authorize, requireApiKey, requireInstanceKey } from "./middleware/auth";
import { limitBody, requireJson } from "./middleware/body";
import { limitPerKey } from "./middleware/rate-limit";
import { requestContext } from "./middleware/request-id";
import { requestLog } from "./middleware/request-log";
import { registerListDeadLetters } from "./routes/admin.dead-letters.list";
import { registerRunHousekeeping } from "./routes/admin.housekeeping.run";
import { forwardScheduled } from "./housekeeping";
import { registerGetMetrics } from "./routes/admin.metrics.get";
import { registerReplayDeadLetters } from "./routes/admin.dead-letters.replay";
import { registerGetBudget } from "./routes/admin.budget.get";
import { registerPutBudget } from "./routes/admin.budget.put";
import { registerGetFallbackProviders } from "./routes/admin.fallback-providers.get";
import { registerPutFallbackProviders } from "./routes/admin.fallback-providers.put";
import { registerDeleteAiGateway } from "./routes/admin.ai-gateway.delete";
import { registerGetAiGateway } from "./routes/admin.ai-gateway.get";
import { registerPutAiGateway } from "./routes/admin.ai-gateway.put";
import { registerGetProjectWebhook } from "./routes/admin.projects.webhook.get";
import { registerPutProjectWebhook } from "./routes/admin.projects.webhook.put";
import { registerRotateProjectWebhookSecret } from "./routes/admin.projects.webhook.rotate-secret";
import { registerCreateProviderKey } from "./routes/admin.provider-keys.create";
import { registerDeleteProviderKey } from "./routes/admin.provider-keys.delete";
import { registerListProviderKeys } from "./routes/admin.provider-keys.list";
import { registerMakePrimaryProviderKey } from "./routes/admin.provider-keys.make-primary";
import { registerDeleteProviderLimit } from "./routes/admin.provider-limits.delete";
import { registerListProviderLimits } from "./routes/admin.provider-limits.list";
import { registerPutProviderLimit } from "./routes/admin.provider-limits.put";
import { registerDeleteProviderPrice } from "./routes/admin.provider-prices.delete";
import { registerListProviderPrices } from "./routes/admin.provider-prices.list";
import { registerPutProviderPrice } from "./routes/admin.provider-prices.put";
import { registerHealth } from "./routes/health";
import { registerCancelJob } from "./routes/jobs.cancel";
import { registerConsole } from "./routes/console";
import { registerCreateJob } from "./routes/jobs.create";
import { registerDeleteJob } from "./routes/jobs.delete";
import { registerJobEvents } from "./routes/jobs.events";
import { registerGetJob } from "./routes/jobs.get";
import { registerJobImage } from "./routes/jobs.image";
import { registerJobOutput } from "./routes/jobs.output";
import { registerJobStream } from "./routes/jobs.stream";
import { registerSignedJobImage } from "./routes/jobs.image.signed";
import { registerListJobs } from "./routes/jobs.list";
import { registerListJobWebhooks } from "./routes/jobs.webhooks.list";
import { registerRedeliverJobWebhook } from "./routes/jobs.webhooks.redeliver";
import { MCP_PATH, registerMcp } from "./routes/mcp";
import { registerCreateWorkflow } from "./routes/workflows.create";
import { registerGetWorkflow } from "./routes/workflows.get";
import { registerWorkflowHistory } from "./routes/workflows.history";
import { registerAddWorkflowJobs } from "./routes/workflows.jobs.add";
import { registerRerunWorkflow } from "./routes/workflows.rerun";
import { registerCreateWorkflowSnapshot } from "./routes/workflows.snapshots.create";
import { registerGetWorkflowSnapshot } from "./routes/workflows.snapshots.get";
import { registerWorkflowStream } from "./routes/workflows.stream";

const app = createApp();
app.use("*", requestContext, requestLog);
app.use("/v1/*", limitBody, requireJson, requireApiKey, limitPerKey);
// Authorization: each path's resource goes through the policy (shared/auth/policy.ts), the action
// from the method. The job API and an instance's settings need a key narrowed to an instance.
app.use("/v1/jobs/*", requireInstanceKey, authorize("job"));
// A workflow is a group of jobs: the same keys and rights as the job API.
app.use("/v1/workflows/*", requireInstanceKey, authorize("job"));
// MCP's tools are the job API's, called with the same key (each call is authorized again).
app.use(MCP_PATH, requireInstanceKey);
for (const path of [
  "/v1/admin/dead-letters/*",
  "/v1/admin/provider-keys/*",
  "/v1/admin/provider-limits/*",
  "/v1/admin/provider-prices/*",
  "/v1/admin/fallback-providers/*",
  "/v1/admin/budget/*",
  "/v1/admin/ai-gateway/*",
  "/v1/admin/projects/:id/webhook/*",
])
  app.use(path, requireInstanceKey, authorize("instance_settings"));
app.use("/v1/admin/organizations/*", authorize("organization"));
app.use("/v1/admin/instances/*", authorize("instance"));
app.use("/v1/admin/projects/*", authorize("project"));
app.use("/v1/admin/users/*", authorize("user"));
app.use("/v1/admin/users/:id/instances/*", authorize("assignment"));
app.use("/v1/admin/api-keys/*", authorize("api_key"));
app.use("/v1/admin/audit-log/*", authorize("audit_log"));
// Metrics name their instance (any the key reaches), so an organization-wide admin key reads them too.
app.use("/v1/admin/metrics/*", authorize("instance_settings"));
app.use("/v1/admin/housekeeping", authorize("housekeeping"));

registerHealth(app);
registerCreateJob(app);
registerListJobs(app);
registerGetJob(app);
registerJobEvents(app);
registerJobStream(app);
registerJobImage(app);
registerJobOutput(app);
registerSignedJobImage(app);
registerCancelJob(app);
registerDeleteJob(app);
registerListJobWebhooks(app);
registerRedeliverJobWebhook(app);
registerCreateWorkflow(app);
registerGetWorkflow(app);
registerWorkflowHistory(app);
registerAddWorkflowJobs(app);
registerCreateWorkflowSnapshot(app);
registerGetWorkflowSnapshot(app);
registerRerunWorkflow(app);
registerWorkflowStream(app);
registerMcp(app);
registerListDeadLetters(app);
registerReplayDeadLetters(app);
registerGetProjectWebhook(app);
registerPutProjectWebhook(app);
registerRotateProjectWebhookSecret(app);
registerListProviderKeys(app);
registerCreateProviderKey(app);
registerMakePrimaryProviderKey(app);
registerDeleteProviderKey(app);
registerListProviderLimits(app);
registerPutProviderLimit(app);
registerDeleteProviderLimit(app);
registerListProviderPrices(app);
registerPutProviderPrice(app);
registerDeleteProviderPrice(app);
registerGetFallbackProviders(app);
registerPutFallbackProviders(app);
registerGetBudget(app);
registerPutBudget(app);
registerGetAiGateway(app);
registerPutAiGateway(app);
registerDeleteAiGateway(app);
registerGetMetrics(app);
registerRunHousekeeping(app);
// Config Service: organizations, instances, projects, users, assignments, API keys, audit log.
registerGetMe(app);
registerListOrganizations(app);
registerCreateOrganization(app);
registerGetOrganization(app);
registerUpdateOrganization(app);
// config-service:organizations
registerListInstances(app);
registerCreateInstance(app);
registerGetInstance(app);
registerUpdateInstance(app);
registerArchiveInstance(app);
// config-service:instances
registerListProjects(app);
registerCreateProject(app);
registerGetProject(app);
registerUpdateProject(app);
registerArchiveProject(app);
// config-service:projects
registerListUsers(app);
registerCreateUser(app);
registerGetUser(app);
registerUpdateUser(app);
registerDisableUser(app);
registerListUserInstances(app);
registerAssignUserInstance(app);
registerUnassignUserInstance(app);
// config-service:users
registerListApiKeys(app);
registerCreateApiKey(app);
registerRevokeApiKey(app);
registerRotateApiKey(app);
// config-service:api-keys
registerListAuditLog(app);
// config-service:audit-log
registerDocs(app);
registerConsole(app);

// The Hono app is the default export (tests call `app.request`), with the cron forwarding beside fetch.
export default Object.assign(app, { scheduled: forwardScheduled }) satisfies ExportedHandler<ProducerEnv>;
