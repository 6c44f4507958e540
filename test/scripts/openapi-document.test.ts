// /openapi.json is a valid OpenAPI 3.1 document: it passes a validator built on the official
// OpenAPI 3.1 JSON Schema, and its path parameters match its path templates, so client
// generators accept it. The producer app is imported and asked for the document, in Node.
import { Validator } from "@seriousme/openapi-schema-validator";
import { beforeAll, describe, expect, it } from "vitest";
import app from "../../producer/src/index";

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
}
interface Operation {
  parameters?: Parameter[];
}
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

let doc: OpenApiDoc;

beforeAll(async () => {
  const res = await app.request("/openapi.json", {}, {} as never);
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApiDoc;
});

/** Every operation, as "get /v1/jobs/{id}", with its path and parameters. */
function operations(): { op: string; path: string; parameters: Parameter[] }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({
        op: `${method} ${path}`,
        path,
        parameters: operation.parameters ?? [],
      })),
  );
}

describe("/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const validator = new Validator({ allErrors: true });
    const result = await validator.validate(doc as unknown as Record<string, unknown>);
    expect(validator.version).toBe("3.1");
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("marks every path parameter of every operation required", () => {
    const optional = operations().flatMap(({ op, parameters }) =>
      parameters.filter((p) => p.in === "path" && p.required !== true).map((p) => `${op}: ${p.name}`),
    );
    expect(optional).toEqual([]);
  });

  it("declares a path parameter for each {param} of each path template, and no other", () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(10);
    for (const { op, path, parameters } of ops) {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = parameters
        .filter((p) => p.in === "path")
        .map((p) => p.name)
        .sort();
      expect(declared, op).toEqual(templated);
    }
  });
});
