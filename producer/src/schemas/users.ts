// Schemas the user and assignment routes share: path parameters, a user, an assignment, pages.
import { z } from "@hono/zod-openapi";
import { roles } from "../../../shared/jobs/enums";
import type { AssignmentView } from "../../../shared/tenancy/assignments";
import { type UserView, userStatuses } from "../../../shared/tenancy/users";
import { listSchema } from "./list-page";

const userId = () =>
  z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "usr_0a1b2c3d4e5f6g7h8i9j" });

export const UserIdParamSchema = z.object({ id: userId() });

export const AssignmentParamSchema = z.object({
  id: userId(),
  instance_id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "instance_id", in: "path" }, example: "ins_0a1b2c3d4e5f6g7h8i9j" }),
});

export const UserSchema = z
  .object({
    id: z.string().openapi({ description: "User id", example: "usr_0a1b2c3d4e5f6g7h8i9j" }),
    object: z.literal("user").openapi({ example: "user" }),
    organization_id: z
      .string()
      .openapi({ description: "The user's organization", example: "org_0a1b2c3d4e5f6g7h8i9j" }),
    email: z.string().openapi({ description: "Unique, in lower case", example: "ada@example.com" }),
    name: z.string().openapi({ description: "Display name", example: "Ada Lovelace" }),
    role: z.enum(roles).openapi({
      description:
        "What the user's keys may do: `super_admin` (everything), `admin` (its organization), `user` (its assigned instances)",
      example: "user",
    }),
    status: z.enum(userStatuses).openapi({
      description: "`disabled`: the user's keys no longer work",
      example: "active",
    }),
    created_at: z
      .string()
      .openapi({ description: "When it was created", example: "2026-11-21T12:00:00.000Z" }),
  })
  .openapi("User") satisfies z.ZodType<UserView>;
export type User = z.infer<typeof UserSchema>;

export const UserListSchema = listSchema(UserSchema, "UserList", "Users, newest first");

export const AssignmentSchema = z
  .object({
    object: z.literal("assignment").openapi({ example: "assignment" }),
    user_id: z.string().openapi({ description: "The user", example: "usr_0a1b2c3d4e5f6g7h8i9j" }),
    instance_id: z
      .string()
      .openapi({ description: "The instance the user may use", example: "ins_0a1b2c3d4e5f6g7h8i9j" }),
    created_at: z
      .string()
      .openapi({ description: "When the user was assigned", example: "2026-11-21T12:00:00.000Z" }),
  })
  .openapi("Assignment") satisfies z.ZodType<AssignmentView>;
export type Assignment = z.infer<typeof AssignmentSchema>;

export const AssignmentListSchema = listSchema(
  AssignmentSchema,
  "AssignmentList",
  "Assignments, newest first",
);

/** A user's display name: 1-100 characters, surrounding spaces dropped. */
export const userName = () =>
  z.string().trim().min(1).max(100).openapi({ description: "Display name", example: "Ada Lovelace" });

export const roleField = () =>
  z.enum(roles).openapi({
    description: "The user's role; a caller may give only a role no higher than its own",
    example: "user",
  });
