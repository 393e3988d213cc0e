import type { KyroWidgetSession } from "@kyro/sdk/widget";
import { describeFailure, type Log } from "./conversation";
import { h } from "./dom";

/** The contact form: email required, name optional; sent as the session's lead. */
export function createLeadForm(log: Log, session: () => Promise<KyroWidgetSession>, onDone: () => void) {
  const email = h("input", { type: "email", name: "email", required: true, autocomplete: "email" });
  const name = h("input", { type: "text", name: "name", autocomplete: "name", maxlength: "200" });
  const submit = h("button", { type: "submit", class: "primary" }, "Send my details");
  const cancel = h("button", { type: "button", class: "icon" }, "Cancel");
  const form = h(
    "form",
    { class: "lead", hidden: true, "aria-label": "Leave your contact details" },
    h("label", {}, "Email (required)", h("br"), email),
    h("label", {}, "Name", h("br"), name),
    h("div", {}, submit, " ", cancel),
  );
  cancel.addEventListener("click", () => {
    form.hidden = true;
    onDone();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    try {
      const details = name.value.trim()
        ? { email: email.value.trim(), name: name.value.trim() }
        : { email: email.value.trim() };
      await (await session()).lead(details);
      log.notice(`Thanks! We will get back to you at ${details.email}.`);
      form.reset();
      form.hidden = true;
      onDone();
    } catch (error) {
      log.error(describeFailure(error));
    } finally {
      submit.disabled = false;
    }
  });
  return {
    element: form,
    show() {
      form.hidden = false;
      email.focus();
    },
  };
}
