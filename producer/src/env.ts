// The producer's Hono environment: bindings (generated Env) plus what middleware puts in context.
import type { ProducerConfig } from "../../shared/config";
import type { Db } from "../../shared/db/client";
import type { Caller, Principal } from "../../shared/db/queries/api-keys";

export interface AppEnv {
  Bindings: ProducerEnv;
  Variables: {
    requestId: string;
    db: Db;
    /** The Worker's variables, validated once at entry (shared/config.ts). */
    config: ProducerConfig;
    /** The authenticated key (requireApiKey). */
    caller: Caller;
    /** The caller narrowed to one instance: set only for such keys; routes behind requireInstanceKey read it. */
    principal: Principal;
    /** The body's bytes are not UTF-8 (limitBody): a JSON body route answers malformed_json. */
    bodyNotUtf8?: boolean;
  };
}
