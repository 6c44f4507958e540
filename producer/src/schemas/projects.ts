// Schemas the project routes share: the path parameter, a project, a page of them.
import { z } from "@hono/zod-openapi";
import { type ProjectView, projectStatuses } from "../../../shared/tenancy/projects";
import { listSchema } from "./list-page";

export const ProjectIdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "prj_0a1b2c3d4e5f6g7h8i9j" }),
});

export const ProjectSchema = z
  .object({
    id: z.string().openapi({ description: "Project id", example: "prj_0a1b2c3d4e5f6g7h8i9j" }),
    object: z.literal("project").openapi({ example: "project" }),
    instance_id: z
      .string()
      .openapi({ description: "The instance the project belongs to", example: "ins_0a1b2c3d4e5f6g7h8i9j" }),
    name: z.string().openapi({ description: "Display name", example: "storefront" }),
    status: z.enum(projectStatuses).openapi({
      description: "`archived`: takes no changes; its jobs stay readable",
      example: "active",
    }),
    webhook_url: z.string().nullable().openapi({
      description: "Default webhook target of the project's jobs (set with PUT .../webhook)",
      example: null,
    }),
    created_at: z
      .string()
      .openapi({ description: "When it was created", example: "2026-11-21T12:00:00.000Z" }),
  })
  .openapi("Project") satisfies z.ZodType<ProjectView>;
export type Project = z.infer<typeof ProjectSchema>;

export const ProjectListSchema = listSchema(ProjectSchema, "ProjectList", "Projects, newest first");

/** A project's name: 1-100 characters, surrounding spaces dropped. */
export const projectName = () =>
  z.string().trim().min(1).max(100).openapi({ description: "Display name", example: "storefront" });
