// The producer as its test project runs it: the Worker itself, plus the consumer's TokenBucket
// class. In a deployment (and under `wrangler dev`) the producer's TOKEN_BUCKET binding names the
// consumer Worker's class (script_name); a one-Worker test project has no consumer, so
// vitest.config.ts binds TOKEN_BUCKET to this copy of the class instead. (Outside the tsconfig
// projects on purpose: the class needs the consumer's Env types, the producer project has its own.)
// Likewise HOUSEKEEPING: here it runs the consumer's entrypoint inside this Worker, on the
// producer's bindings (the same D1 and jobs queue the consumer's would be).
export { default } from "../producer/src/index";
export { Housekeeping } from "../consumers/src/housekeeping-entrypoint";
export { TokenBucket } from "../consumers/src/token-bucket";
export { Budget } from "../consumers/src/budget-object";
export { JobWatch } from "../consumers/src/job-watch";
export { WorkflowState } from "../consumers/src/workflow-state";
