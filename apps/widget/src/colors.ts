/**
 * WCAG 2.1 contrast: colours from the widget settings are used only where they reach AA (4.5:1 for
 * body text); otherwise the widget picks black or white, whichever contrasts more.
 */

const AA = 4.5;

/** `#abc` as `#aabbcc`. */
export function longHex(hex: string): string {
  const value = hex.replace("#", "");
  return `#${value.length === 3 ? [...value].map((c) => c + c).join("") : value}`;
}

function channels(hex: string): [number, number, number] {
  const n = Number.parseInt(longHex(hex).slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `preferred` on `background` when it reaches AA, else black or white. */
export function readableOn(background: string, preferred?: string | null): string {
  if (preferred && contrast(background, preferred) >= AA) return preferred;
  return contrast(background, "#000000") >= contrast(background, "#ffffff") ? "#000000" : "#ffffff";
}
