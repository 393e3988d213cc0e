import { isKyroWidgetError, type KyroWidgetSession } from "@kyro/sdk/widget";
import type { WidgetConfig } from "./config";
import { createLog, describeFailure, exchange } from "./conversation";
import { h } from "./dom";
import { createLeadForm } from "./lead";
import { createSessions, type Opened } from "./session";
import { STYLES } from "./styles";
import { type Appearance, DEFAULT_APPEARANCE, themeOf } from "./theme";

/**
 * Mounts the widget: a launcher button and a chat dialog in a shadow root attached to its own element
 * at the end of <body>. The session is opened the first time the visitor opens the chat, so page views
 * without a chat start no conversation.
 */
export function mountWidget(config: WidgetConfig): HTMLElement {
  const sessions = createSessions(config);
  let session: KyroWidgetSession | null = null;
  let opening: Promise<KyroWidgetSession> | null = null;

  const host = h("div", { "data-kyro-widget": "" });
  const shadow = host.attachShadow({ mode: "open" });
  const wrap = h("div", {});
  const launcher = h("button", {
    type: "button",
    class: "launcher",
    "aria-expanded": "false",
    "aria-controls": "kyro-chat",
  });
  const logo = h("img", { alt: "", hidden: true });
  const title = h("h2", { id: "kyro-title" });
  const close = h("button", { type: "button", class: "icon", "aria-label": "Close chat" }, "✕");
  const log = createLog(() => session);
  const input = h("textarea", { rows: "1", maxlength: "4000", "aria-label": "Your message", required: true });
  const send = h("button", { type: "submit", class: "primary" }, "Send");
  const composer = h("form", { "aria-label": "Send a message" }, input, send);
  const leadButton = h("button", { type: "button" }, "Leave your email");
  const handoffButton = h("button", { type: "button" }, "Talk to a person");
  const powered = h("span", {}, "Powered by Kyro");
  const lead = createLeadForm(
    log,
    () => ensureSession(),
    () => leadButton.focus(),
  );
  const panel = h(
    "section",
    { id: "kyro-chat", class: "panel", role: "dialog", "aria-labelledby": "kyro-title", hidden: true },
    h("header", {}, logo, title, close),
    log.element,
    lead.element,
    composer,
    h("div", { class: "links" }, leadButton, handoffButton, powered),
  );
  wrap.append(launcher, panel);
  shadow.append(h("style", {}, STYLES), wrap);

  function apply(appearance: Appearance) {
    for (const [name, value] of Object.entries(themeOf(appearance))) wrap.style.setProperty(name, value);
    wrap.className = appearance.position === "bottom-left" ? "left" : "";
    launcher.textContent = appearance.launcherText;
    title.textContent = appearance.launcherText;
    logo.hidden = !appearance.logoUrl;
    if (appearance.logoUrl) logo.src = appearance.logoUrl;
    powered.hidden = appearance.hidePoweredBy;
  }

  function show(opened: Opened) {
    session = opened.session;
    apply(opened.session.info.settings);
    log.clear();
    if (opened.history) log.history(opened.history);
    else if (opened.session.info.welcomeMessage) log.bot(opened.session.info.welcomeMessage);
  }

  /** The open session; concurrent callers share one opening. */
  function ensureSession(reopen = false): Promise<KyroWidgetSession> {
    if (session && !reopen) return Promise.resolve(session);
    opening ??= (reopen ? sessions.fresh() : sessions.open())
      .then((opened) => {
        show(opened);
        return opened.session;
      })
      .finally(() => {
        opening = null;
      });
    return opening;
  }

  function setOpen(open: boolean) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    if (!open) {
      launcher.focus();
      return;
    }
    input.focus();
    if (!session)
      ensureSession().catch((error: unknown) => {
        log.error(describeFailure(error));
      });
  }

  async function submit(content: string) {
    log.visitor(content);
    send.disabled = true;
    try {
      try {
        await exchange(await ensureSession(), log, content);
      } catch (error) {
        // An expired session (its token lasts an hour): open a new one and send again, once.
        if (!isKyroWidgetError(error) || error.status !== 401) throw error;
        const fresh = await ensureSession(true);
        log.visitor(content);
        await exchange(fresh, log, content);
      }
    } catch (error) {
      log.error(describeFailure(error));
    } finally {
      send.disabled = false;
    }
  }

  /** Hands the conversation to people; the button goes once they have it (asking again adds nothing). */
  async function requestHandoff() {
    handoffButton.disabled = true;
    try {
      const { notice } = await (await ensureSession()).handoff();
      log.notice(notice);
      handoffButton.hidden = true;
      input.focus();
    } catch (error) {
      log.error(describeFailure(error));
    } finally {
      handoffButton.disabled = false;
    }
  }

  launcher.addEventListener("click", () => setOpen(panel.hidden));
  close.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") setOpen(false);
  });
  leadButton.addEventListener("click", () => lead.show());
  handoffButton.addEventListener("click", () => void requestHandoff());
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const content = input.value.trim();
    if (!content || send.disabled) return;
    input.value = "";
    void submit(content);
  });

  apply(sessions.knownAppearance() ?? DEFAULT_APPEARANCE);
  document.body.append(host);
  if (config.open) setOpen(true);
  return host;
}
