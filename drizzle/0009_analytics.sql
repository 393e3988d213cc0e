CREATE TABLE "analytics_buckets" (
	"org_id" uuid NOT NULL,
	"bot_id" uuid NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"conversations" integer DEFAULT 0 NOT NULL,
	"conversation_messages" integer DEFAULT 0 NOT NULL,
	"resolved_by_bot" integer DEFAULT 0 NOT NULL,
	"durably_resolved" integer DEFAULT 0 NOT NULL,
	"escalated" integer DEFAULT 0 NOT NULL,
	"first_responses" integer DEFAULT 0 NOT NULL,
	"first_response_ms_sum" bigint DEFAULT 0 NOT NULL,
	"messages" integer DEFAULT 0 NOT NULL,
	"feedback" integer DEFAULT 0 NOT NULL,
	"helpful_feedback" integer DEFAULT 0 NOT NULL,
	"leads" integer DEFAULT 0 NOT NULL,
	"tickets" integer DEFAULT 0 NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_micros" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "analytics_buckets_org_id_bucket_bot_id_pk" PRIMARY KEY("org_id","bucket","bot_id")
);
--> statement-breakpoint
CREATE TABLE "analytics_dirty" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"bot_id" uuid NOT NULL,
	"bucket" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics_reasons" (
	"org_id" uuid NOT NULL,
	"bot_id" uuid NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"reason" text NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "analytics_reasons_org_id_bucket_bot_id_kind_reason_pk" PRIMARY KEY("org_id","bucket","bot_id","kind","reason")
);
--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "time_zone" text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
ALTER TABLE "analytics_buckets" ADD CONSTRAINT "analytics_buckets_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_buckets" ADD CONSTRAINT "analytics_buckets_bot_id_bots_id_fk" FOREIGN KEY ("bot_id") REFERENCES "public"."bots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_reasons" ADD CONSTRAINT "analytics_reasons_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_reasons" ADD CONSTRAINT "analytics_reasons_bot_id_bots_id_fk" FOREIGN KEY ("bot_id") REFERENCES "public"."bots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "analytics_dirty_org_idx" ON "analytics_dirty" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "conversations_org_bot_created_idx" ON "conversations" USING btree ("org_id","bot_id","created_at");--> statement-breakpoint
CREATE INDEX "conversations_bot_end_user_idx" ON "conversations" USING btree ("bot_id","end_user_id","created_at") WHERE "conversations"."end_user_id" is not null;--> statement-breakpoint
CREATE INDEX "feedback_org_created_idx" ON "feedback" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "leads_org_created_idx" ON "leads" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "escalation_tickets_org_created_idx" ON "escalation_tickets" USING btree ("org_id","created_at");--> statement-breakpoint
-- Analytics marks (docs/analytics.md): every write to a source table appends the 15-minute buckets it
-- changes to analytics_dirty, whoever writes it (services, backfills, raw SQL). A drain recomputes them.
CREATE FUNCTION "analytics_bucket"(ts timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
  SELECT date_bin('15 minutes', ts, timestamptz '2000-01-01 00:00:00+00')
$$;
--> statement-breakpoint
CREATE FUNCTION "analytics_mark_row"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.bot_id IS NOT NULL THEN
    INSERT INTO analytics_dirty (org_id, bot_id, bucket) VALUES (OLD.org_id, OLD.bot_id, analytics_bucket(OLD.created_at));
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.bot_id IS NOT NULL THEN
    INSERT INTO analytics_dirty (org_id, bot_id, bucket) VALUES (NEW.org_id, NEW.bot_id, analytics_bucket(NEW.created_at));
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- A message counts in its own bucket and in its conversation's (messages per conversation, first response).
CREATE FUNCTION "analytics_mark_message"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE m messages;
BEGIN
  IF TG_OP = 'DELETE' THEN m := OLD; ELSE m := NEW; END IF;
  INSERT INTO analytics_dirty (org_id, bot_id, bucket)
    SELECT m.org_id, m.bot_id, analytics_bucket(m.created_at)
    UNION
    SELECT c.org_id, c.bot_id, analytics_bucket(c.created_at) FROM conversations c WHERE c.id = m.conversation_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- A new conversation of an identified visitor can end the durable resolution of their earlier ones.
CREATE FUNCTION "analytics_mark_returning_visitor"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (org_id, bot_id, bucket)
    SELECT DISTINCT c.org_id, c.bot_id, analytics_bucket(c.created_at) FROM conversations c
    WHERE c.bot_id = NEW.bot_id AND c.end_user_id = NEW.end_user_id AND c.created_at < NEW.created_at
      AND c.resolved_at >= NEW.created_at - interval '7 days';
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "messages_analytics" AFTER INSERT OR DELETE ON "messages" FOR EACH ROW EXECUTE FUNCTION analytics_mark_message();
--> statement-breakpoint
CREATE TRIGGER "conversations_analytics" AFTER INSERT OR DELETE ON "conversations" FOR EACH ROW EXECUTE FUNCTION analytics_mark_row();
--> statement-breakpoint
-- Only the columns a metric reads: a message's count and time updates stay free of marks.
CREATE TRIGGER "conversations_analytics_update" AFTER UPDATE ON "conversations" FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.escalated_at IS DISTINCT FROM NEW.escalated_at
    OR OLD.resolved_at IS DISTINCT FROM NEW.resolved_at OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
    OR OLD.end_user_id IS DISTINCT FROM NEW.end_user_id OR OLD.created_at IS DISTINCT FROM NEW.created_at)
  EXECUTE FUNCTION analytics_mark_row();
--> statement-breakpoint
CREATE TRIGGER "conversations_analytics_visitor" AFTER INSERT ON "conversations" FOR EACH ROW
  WHEN (NEW.end_user_id IS NOT NULL) EXECUTE FUNCTION analytics_mark_returning_visitor();
--> statement-breakpoint
CREATE TRIGGER "feedback_analytics" AFTER INSERT OR UPDATE OR DELETE ON "feedback" FOR EACH ROW EXECUTE FUNCTION analytics_mark_row();
--> statement-breakpoint
CREATE TRIGGER "leads_analytics" AFTER INSERT OR DELETE ON "leads" FOR EACH ROW EXECUTE FUNCTION analytics_mark_row();
--> statement-breakpoint
CREATE TRIGGER "escalation_tickets_analytics" AFTER INSERT OR DELETE ON "escalation_tickets" FOR EACH ROW EXECUTE FUNCTION analytics_mark_row();
--> statement-breakpoint
CREATE TRIGGER "usage_events_analytics" AFTER INSERT OR DELETE ON "usage_events" FOR EACH ROW EXECUTE FUNCTION analytics_mark_row();
