CREATE TABLE "audit_chain_heads" (
	"org_id" uuid PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "chain_seq" bigint;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "prev_hash" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "hash" text;--> statement-breakpoint
ALTER TABLE "audit_chain_heads" ADD CONSTRAINT "audit_chain_heads_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "audit_events_org_chain_seq_idx" ON "audit_events" USING btree ("org_id","chain_seq");--> statement-breakpoint
-- Backfill: chain the existing events of each org in id (time) order, exactly as the writer does
-- (docs/audit.md, "Canonical form"). Timestamps are cut to milliseconds first, the precision the
-- canonical form and every reader carry.
UPDATE "audit_events" SET "created_at" = date_trunc('milliseconds', "created_at") WHERE "org_id" IS NOT NULL AND "chain_seq" IS NULL;--> statement-breakpoint
CREATE FUNCTION pg_temp.audit_canonical_json(value jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE jsonb_typeof(value)
    WHEN 'object' THEN '{' || COALESCE((SELECT string_agg(to_jsonb(key)::text || ':' || pg_temp.audit_canonical_json(inner_value), ',' ORDER BY key COLLATE "C") FROM jsonb_each(value) AS entry(key, inner_value)), '') || '}'
    WHEN 'array' THEN '[' || COALESCE((SELECT string_agg(pg_temp.audit_canonical_json(element), ',' ORDER BY position) FROM jsonb_array_elements(value) WITH ORDINALITY AS item(element, position)), '') || ']'
    ELSE value::text
  END
$$;--> statement-breakpoint
DO $$
DECLARE
  event record;
  current_org uuid := NULL;
  seq bigint := 0;
  previous text;
  digest text;
BEGIN
  -- Only orgs without a chain yet: at migration time that is all of them.
  FOR event IN SELECT * FROM "audit_events"
    WHERE "org_id" IS NOT NULL AND "chain_seq" IS NULL
      AND "org_id" NOT IN (SELECT "org_id" FROM "audit_chain_heads")
    ORDER BY "org_id", "id" LOOP
    IF current_org IS DISTINCT FROM event.org_id THEN
      IF current_org IS NOT NULL THEN
        INSERT INTO "audit_chain_heads" ("org_id", "seq", "hash") VALUES (current_org, seq, previous);
      END IF;
      current_org := event.org_id;
      seq := 0;
      previous := repeat('0', 64);
    END IF;
    seq := seq + 1;
    digest := encode(sha256(convert_to(pg_temp.audit_canonical_json(jsonb_build_array(
      'kyro-audit-v1', event.org_id, seq, previous, event.id,
      to_char(event.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      event.actor_type, event.actor_id, event.actor_label, event.action, event.resource_type,
      event.resource_id, event.request_id, event.ip, event.user_agent, event.diff
    )), 'UTF8')), 'hex');
    UPDATE "audit_events" SET "chain_seq" = seq, "prev_hash" = previous, "hash" = digest WHERE "id" = event.id;
    previous := digest;
  END LOOP;
  IF current_org IS NOT NULL THEN
    INSERT INTO "audit_chain_heads" ("org_id", "seq", "hash") VALUES (current_org, seq, previous);
  END IF;
END $$;
