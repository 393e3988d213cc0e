import { createHmac } from "node:crypto";
import type { SeededOrg } from "@kyro/api/testing";
import { seedBot } from "@kyro/api/testing/conversations";
import { bots, conversations, eq, escalationTickets, feedback, leads } from "@kyro/db";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type StaticSite, serveStaticPages } from "../../../test/browser";
import { startTestServer, type TestServer } from "./server-harness";

/**
 * The widget script in a real Chromium, against a real server: a page on an allowed origin (loopback)
 * embeds the preview snippet, and a visitor chats, rates the answer and leaves a lead.
 */

const WELCOME = "Hello from the fixture bot!";
const ANSWER = "Open Settings, choose Security and click Reset password.";
const AWAY = "We are closed, leave your email.";
/** The host page's CSS tries to restyle everything; none of it may reach inside the widget. */
const HOSTILE_CSS =
  "<style>*{color:#ff0000 !important;font-size:40px !important} button{display:none !important}</style>";

/** What page-side functions use of the browser (this project's type-check has no DOM library). */
interface PageGlobals {
  getComputedStyle(element: unknown): { backgroundColor: string; color: string };
  document: { activeElement: { hasAttribute(name: string): boolean } | null };
}

let server: TestServer;
let org: SeededOrg;
let browser: Browser;
let allowed: StaticSite;
let foreign: StaticSite;
let botId: string;
let awayBotId: string;
let identitySecret: string;

const snippet = (bot: string, extra = "") =>
  `<script src="${server.url}/widget.js" data-bot-id="${bot}" data-api-url="${server.url}/api/v1"${extra} async></script>`;
const page = (body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>${HOSTILE_CSS}</head><body><h1>Shop</h1>${body}</body></html>`;

beforeAll(async () => {
  server = await startTestServer();
  org = await server.app.seedOrg("Widget Browser");
  botId = (await seedBot(server.app, org.id, { published: { welcomeMessage: WELCOME } })).id;
  awayBotId = (
    await seedBot(server.app, org.id, {
      published: { businessHours: { timezone: "UTC", ranges: [] }, outOfHoursMessage: AWAY },
    })
  ).id;
  const [row] = await server.app.database.db
    .select({ secret: bots.identitySecret })
    .from(bots)
    .where(eq(bots.id, botId));
  identitySecret = row?.secret ?? "";
  const hash = createHmac("sha256", identitySecret).update("customer-42").digest("hex");
  allowed = await serveStaticPages(() => ({
    "/": page(snippet(botId)),
    "/identified": page(snippet(botId, ` data-user-id="customer-42" data-user-hash="${hash}"`)),
    "/away": page(snippet(awayBotId)),
  }));
  foreign = await serveStaticPages(() => ({ "/": page(snippet(botId)) }));
  const admin = server.app.caller(org.admin.accessToken);
  for (const bot of [botId, awayBotId]) {
    await admin.widget.set({
      orgId: org.id,
      botId: bot,
      settings: {
        allowedDomains: [allowed.origin],
        primaryColor: "#0f766e",
        launcherText: "Ask the shop",
        hidePoweredBy: true,
      },
    });
  }
  await admin.knowledge.entries.replace({
    orgId: org.id,
    botId,
    entries: [{ question: "How do I reset my password?", answer: ANSWER, tags: ["account"] }],
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await allowed?.close();
  await foreign?.close();
  await server?.close();
});

/** A fresh browser context (no shared storage) on `url`, recording every request the page makes. */
async function visit(url: string): Promise<{ page: Page; requests: string[] }> {
  const context = await browser.newContext();
  const tab = await context.newPage();
  const requests: string[] = [];
  tab.on("request", (request) => requests.push(request.url()));
  await tab.goto(url);
  return { page: tab, requests };
}

/** Opens the chat from the keyboard; the launcher reads the built-in text until a session brought the bot's. */
async function openChat(tab: Page, launcherText = "Chat with us") {
  const launcher = tab.getByRole("button", { name: launcherText });
  await launcher.focus();
  await tab.keyboard.press("Enter");
}

describe("the widget on a page", () => {
  it("chats on an allowed page: welcome, streamed answer, feedback, lead; no cookies, no other hosts", async () => {
    const { page: tab, requests } = await visit(`${allowed.origin}/`);
    await openChat(tab);
    const log = tab.getByRole("log", { name: "Conversation" });
    await expect.poll(() => log.textContent()).toContain(WELCOME);
    // The session brought the bot's appearance and whitelabel settings.
    await expect.poll(() => tab.getByRole("button", { name: "Ask the shop" }).count()).toBe(1);
    expect(await tab.getByText("Powered by Kyro").isVisible()).toBe(false);
    const header = tab.locator("[data-kyro-widget] header");
    const colours = await header.evaluate((el) => {
      const style = (globalThis as unknown as PageGlobals).getComputedStyle(el);
      return [style.backgroundColor, style.color];
    });
    expect(colours).toEqual(["rgb(15, 118, 110)", "rgb(255, 255, 255)"]);

    // The message box has focus once the chat opens: type and press Enter.
    await tab.keyboard.type("how do I reset my password");
    await tab.keyboard.press("Enter");
    await expect.poll(() => log.textContent()).toContain(ANSWER);

    await tab.getByRole("button", { name: "Helpful", exact: true }).click();
    await expect
      .poll(() => tab.getByRole("button", { name: "Helpful", exact: true }).getAttribute("aria-pressed"))
      .toBe("true");
    await expect
      .poll(async () =>
        (await server.app.database.db.select({ helpful: feedback.helpful }).from(feedback)).map(
          (row) => row.helpful,
        ),
      )
      .toEqual([true]);

    await tab.getByRole("button", { name: "Leave your email" }).click();
    await tab.getByLabel("Email (required)").fill("visitor@shop.example");
    await tab.getByLabel("Name").fill("Vera Visitor");
    await tab.getByRole("button", { name: "Send my details" }).click();
    await expect
      .poll(() => log.textContent())
      .toContain("Thanks! We will get back to you at visitor@shop.example");
    const stored = await server.app.database.db
      .select({ email: leads.email, name: leads.name })
      .from(leads)
      .where(eq(leads.orgId, org.id));
    expect(stored).toEqual([{ email: "visitor@shop.example", name: "Vera Visitor" }]);

    // Escape closes the dialog and gives the focus back to the launcher.
    await tab.keyboard.press("Escape");
    expect(await tab.getByRole("dialog").isVisible()).toBe(false);
    const focused = await tab.evaluate(() =>
      (globalThis as unknown as PageGlobals).document.activeElement?.hasAttribute("data-kyro-widget"),
    );
    expect(focused).toBe(true);

    expect(await tab.context().cookies()).toEqual([]);
    const hosts = new Set(requests.map((url) => new URL(url).origin));
    expect([...hosts].sort()).toEqual([allowed.origin, server.url].sort());
    await tab.context().close();
  });

  it("keeps the conversation across a page load and passes the verified identity", async () => {
    const { page: tab } = await visit(`${allowed.origin}/identified`);
    await openChat(tab);
    const log = tab.getByRole("log", { name: "Conversation" });
    await expect.poll(() => log.textContent()).toContain(WELCOME);
    await tab.keyboard.type("how do I reset my password");
    await tab.keyboard.press("Enter");
    await expect.poll(() => log.textContent()).toContain(ANSWER);
    const rows = await server.app.database.db
      .select({ id: conversations.id })
      .from(conversations)
      .where(eq(conversations.endUserId, "customer-42"));
    expect(rows).toHaveLength(1);

    await tab.reload();
    await openChat(tab, "Ask the shop");
    await expect.poll(() => log.textContent()).toContain(ANSWER);
    const after = await server.app.database.db
      .select({ id: conversations.id })
      .from(conversations)
      .where(eq(conversations.endUserId, "customer-42"));
    expect(after).toEqual(rows);
    await tab.context().close();
  });

  it("hands the chat to a person from the keyboard; the bot then stays silent", async () => {
    const { page: tab } = await visit(`${allowed.origin}/`);
    await openChat(tab);
    const log = tab.getByRole("log", { name: "Conversation" });
    await expect.poll(() => log.textContent()).toContain(WELCOME);
    const talk = tab.getByRole("button", { name: "Talk to a person" });
    await talk.focus();
    await tab.keyboard.press("Enter");
    await expect.poll(() => log.textContent()).toContain("A person will reply here.");
    await expect.poll(() => talk.isVisible()).toBe(false);
    const [ticket] = await server.app.database.db
      .select({ reason: escalationTickets.reason, conversationId: escalationTickets.conversationId })
      .from(escalationTickets)
      .where(eq(escalationTickets.orgId, org.id));
    expect(ticket?.reason).toBe("visitor");

    await tab.getByLabel("Your message").fill("how do I reset my password");
    await tab.keyboard.press("Enter");
    await expect.poll(() => log.textContent()).toContain("a person from the team will answer here");
    expect(await log.textContent()).not.toContain(ANSWER);
    await tab.context().close();
  });

  it("shows the out-of-hours reply as a notice, without rating buttons", async () => {
    const { page: tab } = await visit(`${allowed.origin}/away`);
    await openChat(tab);
    await tab.keyboard.type("anyone there?");
    await tab.keyboard.press("Enter");
    const notice = tab.locator("[data-kyro-widget] .notice");
    await expect.poll(() => notice.textContent()).toContain(AWAY);
    expect(await notice.getByRole("button").count()).toBe(0);
    await tab.context().close();
  });

  it("opens no session on a page from a foreign origin", async () => {
    const { page: tab } = await visit(`${foreign.origin}/`);
    await openChat(tab);
    const log = tab.getByRole("log", { name: "Conversation" });
    await expect.poll(() => log.textContent()).toContain("This chat is not available on this page.");
    const rows = await server.app.database.db
      .select({ id: conversations.id })
      .from(conversations)
      .where(eq(conversations.origin, foreign.origin));
    expect(rows).toEqual([]);
    await tab.context().close();
  });
});
