import { describe, expect, it } from "vitest";
import {
  MAX_RETRY_AFTER_SECONDS,
  parseRetryAfter,
  retryDelaySeconds,
} from "../../../src/domains/webhooks/retry-policy";

const SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000];

describe("retry schedule", () => {
  it("follows the schedule with ±20 % jitter, then dead-letters", () => {
    SCHEDULE.forEach((delay, index) => {
      expect(retryDelaySeconds(SCHEDULE, index + 1, null, () => 0)).toBeCloseTo(delay * 0.8);
      expect(retryDelaySeconds(SCHEDULE, index + 1, null, () => 1)).toBeCloseTo(delay * 1.2);
      expect(retryDelaySeconds(SCHEDULE, index + 1, null, () => 0.5)).toBeCloseTo(delay);
    });
    // Attempt 8 (the immediate one plus seven retries) was the last.
    expect(retryDelaySeconds(SCHEDULE, 8, null)).toBeNull();
  });

  it("waits at least as long as Retry-After asks, up to a day", () => {
    expect(retryDelaySeconds(SCHEDULE, 1, 120, () => 0.5)).toBe(120);
    expect(retryDelaySeconds(SCHEDULE, 2, 10, () => 0.5)).toBe(300);
    expect(retryDelaySeconds(SCHEDULE, 1, 10 * MAX_RETRY_AFTER_SECONDS, () => 0.5)).toBe(
      MAX_RETRY_AFTER_SECONDS,
    );
    expect(retryDelaySeconds(SCHEDULE, 8, 60)).toBeNull();
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("30", now)).toBe(30);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:02:00 GMT", now)).toBe(120);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});
