import { describe, expect, it } from "vitest";
import { EVENT_CATALOGUE, EVENT_TYPES } from "../../../src/core/events/catalogue";
import { describeEventTypes, eventComponentId } from "../../../src/core/events/json-schema";
import { createOpenApiDocument } from "../../../src/core/openapi/document";
import { appRouter } from "../../../src/root";

describe("event catalogue", () => {
  it("describes every event type with a JSON Schema of its payload", () => {
    const described = describeEventTypes();
    expect(described.map((entry) => entry.type)).toEqual(EVENT_TYPES);
    for (const entry of described) {
      expect(entry.version).toBe(EVENT_CATALOGUE[entry.type].version);
      expect(entry.schema).toMatchObject({ type: "object", properties: expect.any(Object) });
      expect(Object.keys(entry.schema.properties as object)).toEqual(
        Object.keys(EVENT_CATALOGUE[entry.type].schema.shape),
      );
    }
  });

  it("names one OpenAPI component per event payload", async () => {
    expect(eventComponentId("member.role_changed")).toBe("MemberRoleChangedEvent");
    const document = await createOpenApiDocument(appRouter, { version: "test" });
    const schemas = document.components?.schemas ?? {};
    for (const type of EVENT_TYPES) {
      const component = schemas[eventComponentId(type)] as { properties?: object } | undefined;
      expect(component, type).toBeDefined();
      expect(Object.keys(component?.properties ?? {})).toEqual(
        Object.keys(EVENT_CATALOGUE[type].schema.shape),
      );
    }
  });
});
