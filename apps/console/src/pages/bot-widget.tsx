import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { queryClient, useTRPC } from "../api";
import { Failure, Loading } from "../ui";

/**
 * The bot's widget: appearance and allowed origins (each field overrides the org default; blank goes
 * back to inheriting it), the embed snippet, and the real widget in a frame, reloaded after each save.
 */
export function BotWidget({ orgId, botId, writer }: { orgId: string; botId: string; writer: boolean }) {
  const trpc = useTRPC();
  const [revision, setRevision] = useState(0);
  const widget = useQuery(trpc.widget.get.queryOptions({ orgId, botId }));
  const preview = useQuery(trpc.widget.preview.queryOptions({ orgId, botId }));
  const save = useMutation(
    trpc.widget.set.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.widget.pathFilter());
        setRevision((value) => value + 1);
      },
    }),
  );
  if (widget.isPending) return <Loading what="the widget settings" />;
  if (widget.isError) return <Failure error={widget.error} />;
  const { effective, overrides } = widget.data;
  const orNull = (value: FormDataEntryValue | null) => {
    const text = String(value ?? "").trim();
    return text === "" ? null : text;
  };
  return (
    <div className="widget-settings">
      <form
        className="card"
        aria-label="Widget settings"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const domains = String(form.get("allowedDomains"))
            .split("\n")
            .map((line) => line.trim())
            .filter(Boolean);
          save.mutate({
            orgId,
            botId,
            settings: {
              primaryColor: orNull(form.get("primaryColor")),
              launcherText: orNull(form.get("launcherText")),
              position: form.get("position") === "bottom-left" ? "bottom-left" : "bottom-right",
              hidePoweredBy: form.get("hidePoweredBy") === "on",
              allowedDomains: domains.length > 0 ? domains : null,
            },
          });
        }}
      >
        <fieldset disabled={!writer}>
          <label>
            Primary colour
            <input
              name="primaryColor"
              defaultValue={overrides.primaryColor ?? ""}
              placeholder={effective.primaryColor}
            />
          </label>
          <label>
            Launcher text
            <input
              name="launcherText"
              defaultValue={overrides.launcherText ?? ""}
              placeholder={effective.launcherText}
              maxLength={60}
            />
          </label>
          <label>
            Position
            <select name="position" defaultValue={effective.position}>
              <option value="bottom-right">Bottom right</option>
              <option value="bottom-left">Bottom left</option>
            </select>
          </label>
          <label className="check">
            <input type="checkbox" name="hidePoweredBy" defaultChecked={effective.hidePoweredBy} />
            Hide “Powered by Kyro”
          </label>
          <label>
            Allowed origins (one per line)
            <textarea
              name="allowedDomains"
              rows={3}
              defaultValue={(overrides.allowedDomains ?? []).join("\n")}
              placeholder={effective.allowedDomains.join("\n") || "www.example.com"}
            />
          </label>
          <Failure error={save.error} />
          {writer ? (
            <button type="submit" disabled={save.isPending}>
              Save widget
            </button>
          ) : null}
        </fieldset>
        {save.isSuccess ? <p role="status">Widget saved.</p> : null}
      </form>
      <div className="card preview">
        <p className="meta">
          Live preview on this console's origin ({location.origin}): the widget opens a session only when that
          origin is allowed.
        </p>
        <iframe
          key={revision}
          title="Widget preview"
          src={`/console/widget-preview.html?botId=${encodeURIComponent(botId)}`}
        />
        {preview.data ? (
          <label>
            Embed snippet
            <textarea readOnly rows={3} value={preview.data.embedSnippet} />
          </label>
        ) : null}
      </div>
    </div>
  );
}
