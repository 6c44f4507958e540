// The producer's Hono environment: bindings (generated Env) plus what middleware puts in context.
import type { Db } from "../../shared/db/client";
import type { Principal } from "../../shared/db/queries/api-keys";

export interface AppEnv {
  Bindings: ProducerEnv;
  Variables: {
    requestId: string;
    db: Db;
    principal: Principal;
  };
}
