import { describe, expect, it } from "vitest";
import { describeErrorSafely, serializeError } from "../src/error-serializer";

/** A Postgres error as postgres.js builds it: every field of the server's error response, enumerable. */
function postgresError(fields: Record<string, unknown>): Error {
  class PostgresError extends Error {}
  return Object.assign(new PostgresError(String(fields.message)), fields);
}

describe("serializeError", () => {
  it("keeps an ordinary error's message, code and stack frames", () => {
    const error = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), {
      code: "ECONNREFUSED",
      port: 6379,
      config: { password: "hunter2" },
    });
    const serialized = serializeError(error);
    expect(serialized).toMatchObject({
      type: "Error",
      message: "connect ECONNREFUSED 127.0.0.1:6379",
      code: "ECONNREFUSED",
      port: 6379,
    });
    expect(serialized.stack).toMatch(/^\s+at /);
    expect(JSON.stringify(serialized)).not.toContain("hunter2");
  });

  it("keeps only naming fields of a Postgres error, wherever it sits in the chain", () => {
    const database = postgresError({
      message: 'invalid input syntax for type uuid: "s3cret-value"',
      detail: "Key (email)=(s3cret@example.test) already exists.",
      where: "unnamed portal parameter $1 = '...'",
      hint: "s3cret hint",
      severity: "ERROR",
      code: "22P02",
      routine: "string_to_uuid",
      table_name: "users",
    });
    const top = new Error("outer", { cause: new Error("middle", { cause: database }) });
    const serialized = serializeError(top);
    expect(JSON.stringify(serialized)).not.toMatch(/s3cret/);
    expect(serialized).toMatchObject({
      message: "outer",
      cause: {
        message: "middle",
        cause: {
          type: "PostgresError",
          code: "22P02",
          condition: "invalid_text_representation",
          table: "users",
          message: "Database error 22P02 (invalid_text_representation)",
        },
      },
    });
  });

  it("serializes every error of an AggregateError, a cyclic cause once, and a thrown string", () => {
    const first = new Error("first");
    const cyclic = new Error("cyclic", { cause: first });
    (first as Error & { cause?: unknown }).cause = cyclic;
    const serialized = serializeError(new AggregateError([cyclic, new Error("second")], "both failed"));
    expect(serialized.errors).toEqual([
      expect.objectContaining({ message: "cyclic", cause: expect.objectContaining({ message: "first" }) }),
      expect.objectContaining({ message: "second" }),
    ]);
    expect(serializeError("plain text")).toEqual({ type: "string", message: "plain text" });
  });

  it("cuts a query failure echoed in a message", () => {
    const echoed = new Error("Failed query: insert into t values ($1)\nparams: s3cret");
    expect(serializeError(echoed).message).toBe("[query failure not logged]");
    expect(JSON.stringify(serializeError(echoed))).not.toContain("s3cret");
  });
});

describe("describeErrorSafely", () => {
  it("is one storable line: causes chained, no NUL, no unpaired surrogate", () => {
    const error = new Error("bad \u0000 byte \ud800", {
      cause: postgresError({ message: "x", severity: "ERROR", code: "23505" }),
    });
    expect(describeErrorSafely(error)).toBe(
      "Error: bad \uFFFD byte \uFFFD; caused by PostgresError: Database error 23505 (unique_violation)",
    );
  });
});
