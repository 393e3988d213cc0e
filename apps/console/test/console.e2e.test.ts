import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailedToken } from "../../../scripts/dev-mail-token.mjs";
import type { RunningScript } from "../../server/test/process-harness";
import { PASSWORD, STEP_TIMEOUT_MS, screenshot, startConsoleServer, watchProblems } from "./console-server";

/**
 * The console in a real browser against `npm start` (the built server, serving the built console):
 * an operator signs up through the mailed link, creates an org, a bot and an API key, invites a
 * teammate, and finds it all in the audit log. On the embedded database, or on Postgres + Redis when the suite has them.
 */

const cleanups: (() => Promise<void> | void)[] = [];
let server: RunningScript;
let base: string;
let dataDir: string;
let browser: Browser;
/** What the first test leaves for the next ones: a signed-in page in an org with a published bot. */
let signedIn: { page: Page; orgId: string; botId: string; email: string } | undefined;

beforeAll(async () => {
  ({ server, base, dataDir, browser } = await startConsoleServer(cleanups));
}, 300_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe("the console in Chromium", { timeout: 360_000 }, () => {
  it("signs up, creates an org, a bot and an API key, invites a teammate, and finds it all in the audit log", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const page = await context.newPage();
    const problems = watchProblems(page, server);
    const email = `console-${randomBytes(4).toString("hex")}@example.test`;

    // First screen on a cold cache, timed by the page itself: navigation start until the form takes input.
    await page.goto(`${base}/console/`);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    const firstScreenMs = await page.evaluate(() => performance.now());
    console.log(`console first screen usable after ${firstScreenMs.toFixed(0)} ms (cold cache)`);
    await page.getByRole("link", { name: "Sign up" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.getByRole("heading", { name: "Check your mail" }).waitFor();

    const token = await mailedToken(email, "verify-email", join(dataDir, "mail"), STEP_TIMEOUT_MS);
    await page.goto(`${base}/console/verify-email?token=${encodeURIComponent(token)}`);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.getByText("You are not in any organization yet").waitFor();

    // The access token lived in memory only: a reload signs in again through the HttpOnly cookie.
    const cookies = await context.cookies(`${base}/trpc/auth.cookieRefresh`);
    expect(cookies.find((cookie) => cookie.name === "kyro_refresh")).toMatchObject({
      httpOnly: true,
      sameSite: "Strict",
      path: "/trpc/auth.cookieRefresh",
    });
    expect(await page.evaluate(() => document.cookie)).toBe("");
    await page.reload();
    await page.getByText(email).waitFor();

    await page.getByRole("link", { name: "Create one" }).click();
    await page.getByLabel("Name").fill("Acme Support");
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.getByRole("heading", { name: "Bots" }).waitFor();
    await page.getByText("No bots yet.").waitFor();
    const orgId = /\/console\/orgs\/([0-9a-f-]{36})\/bots$/.exec(page.url())?.[1];
    expect(orgId).toBeDefined();

    const form = page.getByRole("form", { name: "New bot" });
    const templates = form.getByLabel("Template");
    const firstTemplate = await templates.locator("option").nth(1).getAttribute("value");
    await templates.selectOption(firstTemplate ?? "");
    await form.getByLabel("Name").fill("Helpdesk");
    await form.getByRole("button", { name: "Create bot" }).click();
    await page.getByRole("heading", { name: "Helpdesk" }).waitFor();
    await page.getByText("Not published yet.").waitFor();
    await page.getByRole("button", { name: "Publish" }).click();
    await page.getByRole("cell", { name: "v1 current" }).waitFor();
    await screenshot(page, "bot-detail");
    const botId = /\/bots\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? "";

    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByRole("form", { name: "New API key" }).getByLabel("Name").fill("CI key");
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = await page.getByTestId("api-key-secret").textContent();
    expect(secret).toMatch(/^kyro_/);
    await page.getByRole("button", { name: "I have stored it" }).click();
    await expect(page.getByTestId("api-key-secret").count()).resolves.toBe(0);
    await page.getByRole("cell", { name: "CI key" }).waitFor();

    await page.getByRole("link", { name: "Members" }).click();
    await page.getByRole("cell", { name: email }).waitFor();
    const invite = page.getByRole("form", { name: "Invite" });
    await invite.getByLabel("Email").fill("teammate@example.test");
    await invite.getByLabel("Role").selectOption("viewer");
    await invite.getByRole("button", { name: "Invite" }).click();
    await page.getByRole("cell", { name: "teammate@example.test" }).waitFor();

    await page.getByRole("link", { name: "Audit log" }).click();
    for (const action of [
      "org.created",
      "bot.created",
      "bot.published",
      "api_key.created",
      "member.invited",
    ]) {
      await page.getByRole("cell", { name: action, exact: true }).first().waitFor();
    }
    await screenshot(page, "audit-log");
    const filters = page.getByRole("form", { name: "Filters" });
    await filters.getByLabel("Action").fill("api_key.created");
    await filters.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/action=api_key\.created/);
    await page.getByRole("cell", { name: "api_key.created", exact: true }).waitFor();
    await expect(page.getByRole("cell", { name: "bot.created", exact: true }).count()).resolves.toBe(0);

    expect(problems).toEqual([]);
    signedIn = { page, orgId: orgId ?? "", botId, email };
  });

  it("previews the real widget, adds knowledge, takes over the visitor's conversation, moves its ticket, exports the lead", async () => {
    if (!signedIn) throw new Error("needs the first test's operator");
    const { page, orgId, botId } = signedIn;
    const problems = watchProblems(page, server);
    await page.goto(`${base}/console/orgs/${orgId}/webhooks`);
    await page
      .getByRole("form", { name: "New endpoint" })
      .getByLabel("URL")
      .fill("https://hooks.example.test/kyro");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    expect(await page.getByTestId("webhook-secret").textContent()).toMatch(/^whsec_/);
    await page.getByRole("button", { name: "I have stored it" }).click();

    await page.goto(`${base}/console/orgs/${orgId}/bots/${botId}`);
    const welcome = await page.getByLabel("Welcome message").inputValue();
    const settings = page.getByRole("form", { name: "Widget settings" });
    await settings.getByLabel("Launcher text").fill("Ask Acme");
    await settings.getByLabel("Allowed origins (one per line)").fill(base);
    await settings.getByRole("button", { name: "Save widget" }).click();
    await page.getByText("Widget saved.").waitFor();
    await page.getByLabel("Embed snippet").waitFor();

    // The preview frame runs /widget.js on the console's (now allowed) origin: a visitor session.
    const widget = page.frameLocator('iframe[title="Widget preview"]');
    await widget.getByRole("log", { name: "Conversation" }).getByText(welcome.trim()).waitFor();
    await page.getByRole("heading", { name: "Widget" }).scrollIntoViewIfNeeded();
    await screenshot(page, "widget-preview");
    await widget.getByRole("textbox", { name: "Your message" }).fill("Where is my order 1234?");
    await widget.getByRole("textbox", { name: "Your message" }).press("Enter");
    await widget.getByRole("button", { name: "Leave your email" }).click();
    await widget.getByLabel("Email (required)").fill("visitor@example.test");
    await widget.getByRole("button", { name: "Send my details" }).click();

    const knowledge = page.getByRole("form", { name: "New knowledge entry" });
    await knowledge.getByLabel("Question").fill("Do you ship abroad?");
    await knowledge.getByLabel("Answer").fill("Yes, to 40 countries.");
    await knowledge.getByRole("button", { name: "Add entry" }).click();
    await page.getByRole("cell", { name: "Yes, to 40 countries." }).waitFor();
    const source = page.getByRole("form", { name: "New source" });
    await source.getByLabel("Name").fill("Shipping policy");
    await source.getByLabel("Text, or a page's URL").fill("We ship within 3 days to 40 countries.");
    await source.getByRole("button", { name: "Add source" }).click();
    await page
      .getByRole("table", { name: "Sources" })
      .getByRole("cell", { name: "Shipping policy" })
      .waitFor();

    await page.getByRole("link", { name: "Inbox" }).click();
    const filters = page.getByRole("form", { name: "Filters" });
    await filters.getByLabel("Bot").selectOption({ label: "Helpdesk" });
    await filters.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/botId=/);
    await screenshot(page, "inbox");
    await page.getByRole("row").nth(1).getByRole("link").click();
    await page.getByText("Where is my order 1234?").waitFor();

    await page.getByRole("button", { name: "Assign to me" }).click();
    await page
      .getByTestId("conversation-state")
      .getByText(/Held by: you/)
      .waitFor();
    await page.getByRole("form", { name: "Reply" }).getByLabel("Reply as an agent").fill("A human here.");
    await page.getByRole("button", { name: "Send reply" }).click();
    await page.getByRole("list", { name: "Messages" }).getByText("A human here.").waitFor();
    await page.getByRole("form", { name: "Tags" }).getByLabel("Tags (comma-separated)").fill("VIP, refund");
    await page.getByRole("button", { name: "Save tags" }).click();
    // Stored lower-cased and sorted.
    await page
      .getByTestId("conversation-state")
      .getByText(/Tags: refund, vip/)
      .waitFor();
    await screenshot(page, "conversation");

    await page.getByRole("button", { name: "Open a ticket" }).click();
    await page.getByRole("link", { name: "See the board" }).click();
    const open = page.getByRole("region", { name: "Open" });
    await open.getByRole("article").first().waitFor();
    await open.getByRole("button", { name: "→ In progress" }).click();
    await page.getByRole("region", { name: "In progress" }).getByRole("article").first().waitFor();
    await screenshot(page, "tickets");
    await expect(open.getByRole("article").count()).resolves.toBe(0);

    await page.getByRole("link", { name: "Conversation" }).click();
    await page.getByRole("button", { name: "Hand back to the bot" }).click();
    await page
      .getByTestId("conversation-state")
      .getByText(/Held by: the bot/)
      .waitFor();

    await page.getByRole("link", { name: "Leads" }).click();
    await page.getByRole("cell", { name: "visitor@example.test" }).waitFor();
    await screenshot(page, "leads");
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    const csv = await readFile((await (await download).path()) ?? "", "utf8");
    expect(csv).toContain("visitor@example.test");
    await page.getByRole("link", { name: "Feedback" }).click();
    await page.getByText("No feedback yet.").waitFor();

    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.getByRole("link", { name: "https://hooks.example.test/kyro" }).click();
    await page.getByRole("cell", { name: "conversation.assigned" }).first().waitFor();
    // The host does not resolve: every delivery is still being retried, so none offers a replay yet.
    await page
      .getByRole("cell", { name: /ENOTFOUND/ })
      .first()
      .waitFor();
    await expect(page.getByRole("button", { name: "Replay" }).count()).resolves.toBe(0);
    await screenshot(page, "webhook-deliveries");
    await page.getByRole("link", { name: "All endpoints" }).click();
    await page.getByRole("button", { name: "Disable" }).click();
    await page.getByRole("cell", { name: /^disabled/ }).waitFor();

    await page.getByRole("link", { name: "Limits" }).click();
    await page.getByRole("meter", { name: "Helpdesk: messages today" }).waitFor();
    await page.getByRole("img", { name: "Messages per day" }).or(page.getByText("No usage yet.")).waitFor();

    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("cell", { name: "conversation.replied", exact: true }).first().waitFor();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Kyro" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Sign in to Kyro" }).waitFor();
    expect(problems).toEqual([]);
  });

  it("resets a password from the mailed link, and a teammate accepts the mailed invitation", async () => {
    if (!signedIn) throw new Error("needs the first test's operator");
    const { page, email } = signedIn;
    const problems = watchProblems(page, server);
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send the link" }).click();
    await page.getByRole("heading", { name: "Check your mail" }).waitFor();
    const resetToken = await mailedToken(email, "reset-password", join(dataDir, "mail"), STEP_TIMEOUT_MS);
    await page.goto(`${base}/console/reset-password?token=${encodeURIComponent(resetToken)}`);
    await page.getByLabel("New password").fill(`${PASSWORD}-2`);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByRole("link", { name: "Sign in" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(`${PASSWORD}-2`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText(email).waitFor();
    await page.context().close();

    // The invitation of the first test, opened signed out: sign up, confirm, then accept on the same link.
    const context = await browser.newContext();
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const teammate = await context.newPage();
    const mate = "teammate@example.test";
    const inviteToken = await mailedToken(mate, "accept-invitation", join(dataDir, "mail"), STEP_TIMEOUT_MS);
    await teammate.goto(`${base}/console/sign-up`);
    await teammate.getByLabel("Email").fill(mate);
    await teammate.getByLabel("Password").fill(PASSWORD);
    await teammate.getByRole("button", { name: "Sign up" }).click();
    const verifyToken = await mailedToken(mate, "verify-email", join(dataDir, "mail"), STEP_TIMEOUT_MS);
    await teammate.goto(`${base}/console/verify-email?token=${encodeURIComponent(verifyToken)}`);
    await teammate.getByLabel("Password").fill(PASSWORD);
    await teammate.getByRole("button", { name: "Confirm" }).click();
    await teammate.getByText("You are not in any organization yet").waitFor();
    await teammate.goto(`${base}/console/accept-invitation?token=${encodeURIComponent(inviteToken)}`);
    await teammate.getByRole("button", { name: "Accept the invitation" }).click();
    await teammate.getByText("You joined as viewer.").waitFor();
    await teammate.getByRole("link", { name: "Open the organization" }).click();
    await teammate.getByRole("heading", { name: "Bots" }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});
