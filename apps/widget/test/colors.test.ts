import { describe, expect, it } from "vitest";
import { contrast, readableOn } from "../src/colors";
import { themeOf } from "../src/theme";

describe("widget colours", () => {
  it("measures WCAG contrast", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#fff", "#ffffff")).toBeCloseTo(1, 5);
    expect(contrast("#767676", "#ffffff")).toBeGreaterThanOrEqual(4.5);
  });

  it("keeps a chosen text colour only where it reaches AA, else black or white", () => {
    expect(readableOn("#ffffff", "#111827")).toBe("#111827");
    expect(readableOn("#ffffff", "#dddddd")).toBe("#000000");
    expect(readableOn("#0f766e")).toBe("#ffffff");
    expect(readableOn("#fde047")).toBe("#000000");
  });

  it("gives every text of the theme AA contrast on its background, whatever the settings", () => {
    const theme = themeOf({
      primaryColor: "#ffff00",
      backgroundColor: "#222",
      textColor: "#333",
      logoUrl: null,
      position: "bottom-left",
      launcherText: "Help",
      hidePoweredBy: false,
    });
    expect(contrast(theme["--k-primary"] ?? "", theme["--k-on-primary"] ?? "")).toBeGreaterThanOrEqual(4.5);
    expect(contrast(theme["--k-bg"] ?? "", theme["--k-text"] ?? "")).toBeGreaterThanOrEqual(4.5);
    expect(theme["--k-line"]).toBe("#ffffff66");
  });
});
