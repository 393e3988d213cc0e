import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailedToken } from "../../../scripts/dev-mail-token.mjs";
import type { RunningScript } from "../../server/test/process-harness";
import { signUpThroughMailFile, trpcMutation } from "../../server/test/signup-over-http";
import { PASSWORD, STEP_TIMEOUT_MS, screenshot, startConsoleServer, watchProblems } from "./console-server";

/**
 * The console's data pages in a real browser against `npm start`: a visitor's conversation (opened
 * through the widget REST API) shows in the analytics dashboard; the owner changes the retention
 * policy, exports and erases that visitor, and deletes the org; a viewer's nav holds only what a viewer
 * may read. On the embedded database, or on Postgres + Redis when the suite has them.
 */

/** The customer's page the widget runs on: allowed by the bot, and not the console's own origin. */
const PAGE_ORIGIN = "https://shop.example.test";
const VISITOR = "visitor@example.test";
const ORG_NAME = "Data Co";
const cleanups: (() => Promise<void> | void)[] = [];
let server: RunningScript;
let base: string;
let dataDir: string;
let browser: Browser;
/** What the first test leaves for the second: the owner's signed-in page in the org. */
let owner: { page: Page; orgId: string; token: string } | undefined;

beforeAll(async () => {
  ({ server, base, dataDir, browser } = await startConsoleServer(cleanups));
}, 300_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(`${base}/console/sign-in`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText(email).waitFor();
}

/** A visitor on the customer's page, through the widget's REST API: a question, then their email. */
async function visitorConversation(botId: string): Promise<void> {
  const headers = { "content-type": "application/json", origin: PAGE_ORIGIN };
  const opened = await fetch(`${base}/api/v1/widget/${botId}/sessions`, {
    method: "POST",
    headers,
    body: "{}",
  });
  expect(opened.status).toBe(201);
  const { token, conversationId } = (await opened.json()) as { token: string; conversationId: string };
  const session = { ...headers, authorization: `Bearer ${token}` };
  const widget = `${base}/api/v1/widget/sessions/${conversationId}`;
  const asked = await fetch(`${widget}/messages`, {
    method: "POST",
    headers: session,
    body: JSON.stringify({ content: "Do you ship abroad?" }),
  });
  expect(asked.status).toBe(201);
  const lead = await fetch(`${widget}/lead`, {
    method: "POST",
    headers: session,
    body: JSON.stringify({ email: VISITOR }),
  });
  expect(lead.ok).toBe(true);
}

describe("the console's data pages in Chromium", { timeout: 360_000 }, () => {
  it("shows a widget conversation in analytics, saves the retention policy, exports and erases the visitor", async () => {
    const email = `data-${randomBytes(4).toString("hex")}@example.test`;
    const token = await signUpThroughMailFile(base, dataDir, email, PASSWORD);
    const ownerContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    ownerContext.setDefaultTimeout(STEP_TIMEOUT_MS);
    const page = await ownerContext.newPage();
    const problems = watchProblems(page, server);
    await signIn(page, email);
    await page.getByRole("link", { name: "Create one" }).click();
    await page.getByLabel("Name").fill(ORG_NAME);
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.getByRole("heading", { name: "Bots" }).waitFor();
    const orgId = /\/console\/orgs\/([0-9a-f-]{36})\/bots$/.exec(page.url())?.[1] ?? "";
    expect(orgId).not.toBe("");

    const form = page.getByRole("form", { name: "New bot" });
    const templates = form.getByLabel("Template");
    await templates.selectOption((await templates.locator("option").nth(1).getAttribute("value")) ?? "");
    await form.getByLabel("Name").fill("Helpdesk");
    await form.getByRole("button", { name: "Create bot" }).click();
    await page.getByRole("heading", { name: "Helpdesk" }).waitFor();
    await page.getByRole("button", { name: "Publish" }).click();
    await page.getByRole("cell", { name: "v1 current" }).waitFor();
    const botId = /\/bots\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? "";
    const settings = page.getByRole("form", { name: "Widget settings" });
    await settings.getByLabel("Allowed origins (one per line)").fill(PAGE_ORIGIN);
    await settings.getByRole("button", { name: "Save widget" }).click();
    await page.getByText("Widget saved.").waitFor();
    await visitorConversation(botId);

    // The overview counts the conversation, and its bot's row leads to that bot's own report.
    await page.getByRole("link", { name: "Analytics" }).click();
    const row = page.getByRole("table", { name: "Bots" }).getByRole("row").filter({ hasText: "Helpdesk" });
    await row.waitFor();
    await expect(row.getByRole("cell").nth(1).textContent()).resolves.toBe("1");
    await page.getByRole("img", { name: "Conversations per day" }).waitFor();
    await page.getByLabel("Period").selectOption("30d");
    await page.waitForURL(/range=30d/);
    await row.waitFor();
    await screenshot(page, "analytics", { fullPage: true });
    await row.getByRole("link", { name: "Helpdesk" }).click();
    await page.getByRole("heading", { name: "Analytics: Helpdesk" }).waitFor();
    const conversations = page
      .getByLabel("Totals")
      .locator("div")
      .filter({ has: page.getByText("Conversations", { exact: true }) })
      .locator("dd");
    await expect(conversations.textContent()).resolves.toBe("1");

    // Retention: a shorter period for conversations, kept across a reload.
    await page.getByRole("link", { name: "Data & privacy" }).click();
    const retention = page.getByRole("form", { name: "Retention" });
    await retention.getByLabel("Conversations and messages").fill("90");
    await retention.getByRole("button", { name: "Save retention" }).click();
    await page.getByText("Retention saved.").waitFor();
    await page.reload();
    await expect(page.getByLabel("Conversations and messages").inputValue()).resolves.toBe("90");

    // The visitor's data: exported as JSON, then erased after the confirmation step.
    await page.getByRole("link", { name: "Inbox" }).click();
    await page.getByRole("cell", { name: "Helpdesk" }).waitFor();
    await page.getByRole("link", { name: "Data & privacy" }).click();
    const contact = page.getByRole("form", { name: "Contact" });
    await contact.getByLabel("Contact").fill(VISITOR);
    const download = page.waitForEvent("download");
    await contact.getByRole("button", { name: "Export data" }).click();
    const exported = JSON.parse(await readFile((await (await download).path()) ?? "", "utf8")) as {
      leads: { email: string }[];
      conversations: unknown[];
    };
    expect(exported.leads.map((lead) => lead.email)).toEqual([VISITOR]);
    expect(exported.conversations).toHaveLength(1);
    await contact.getByRole("button", { name: "Erase data…" }).click();
    await screenshot(page, "privacy", { fullPage: true });
    await page
      .getByRole("alertdialog", { name: "Confirm erasure" })
      .getByRole("button", { name: "Erase permanently" })
      .click();
    await page.getByText(/Erased: 1 conversations, \d+ messages, 1 leads/).waitFor();
    await page.getByRole("link", { name: "Inbox" }).click();
    await page.getByText("No conversations match.").waitFor();

    expect(problems).toEqual([]);
    owner = { page, orgId, token };
  });

  it("shows a viewer only the sections a viewer may read; the owner deletes the org by its name", async () => {
    if (!owner) throw new Error("needs the first test's owner");
    const mate = `viewer-${randomBytes(4).toString("hex")}@example.test`;
    const mateToken = await signUpThroughMailFile(base, dataDir, mate, PASSWORD);
    await trpcMutation(
      base,
      "orgs.members.invite",
      { orgId: owner.orgId, email: mate, role: "viewer" },
      owner.token,
    );
    const invitation = await mailedToken(mate, "accept-invitation", join(dataDir, "mail"), STEP_TIMEOUT_MS);
    await trpcMutation(base, "orgs.members.acceptInvite", { token: invitation }, mateToken);

    const context = await browser.newContext();
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const viewer = await context.newPage();
    const viewerProblems = watchProblems(viewer, server);
    await signIn(viewer, mate);
    await viewer.getByRole("heading", { name: "Bots" }).waitFor();
    const nav = viewer.getByRole("navigation", { name: "Sections" });
    await nav.getByRole("link", { name: "Analytics" }).waitFor();
    for (const hidden of ["Leads", "Data & privacy", "API keys", "Audit log", "Webhooks", "Exports"]) {
      await expect(nav.getByRole("link", { name: hidden }).count()).resolves.toBe(0);
    }
    // What the viewer is shown, they may read.
    await nav.getByRole("link", { name: "Feedback" }).click();
    await viewer.getByText("No feedback yet.").waitFor();
    await nav.getByRole("link", { name: "Analytics" }).click();
    await viewer.getByLabel("Totals").waitFor();
    expect(viewerProblems).toEqual([]);
    await context.close();

    const { page } = owner;
    const problems = watchProblems(page, server);
    await page.getByRole("link", { name: "Data & privacy" }).click();
    const remove = page.getByRole("form", { name: "Delete organization" });
    const confirm = remove.getByLabel("Type the organization's name to confirm");
    await confirm.fill("Data C");
    await expect(remove.getByRole("button", { name: "Delete organization" }).isDisabled()).resolves.toBe(
      true,
    );
    await confirm.fill(ORG_NAME);
    await remove.getByRole("button", { name: "Delete organization" }).click();
    await page.getByText("You are not in any organization yet").waitFor();
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
