-- Analytics marks per statement instead of per row (issue #13, docs/analytics.md). The row triggers of
-- 0009 appended one mark per written row, so deleting an org or purging a million messages wrote a
-- million marks in that transaction. These fire once per statement and append the DISTINCT buckets its
-- transition table touches, with the same meaning as 0009's. A trigger with transition tables may serve
-- only one event, hence one trigger per event; every transition table is named "changed" (the new rows
-- of an INSERT, the old rows of a DELETE) so one function serves every table.
DROP TRIGGER "messages_analytics" ON "messages";
--> statement-breakpoint
DROP TRIGGER "conversations_analytics" ON "conversations";
--> statement-breakpoint
DROP TRIGGER "conversations_analytics_update" ON "conversations";
--> statement-breakpoint
DROP TRIGGER "conversations_analytics_visitor" ON "conversations";
--> statement-breakpoint
DROP TRIGGER "feedback_analytics" ON "feedback";
--> statement-breakpoint
DROP TRIGGER "leads_analytics" ON "leads";
--> statement-breakpoint
DROP TRIGGER "escalation_tickets_analytics" ON "escalation_tickets";
--> statement-breakpoint
DROP TRIGGER "usage_events_analytics" ON "usage_events";
--> statement-breakpoint
DROP FUNCTION "analytics_mark_row"();
--> statement-breakpoint
DROP FUNCTION "analytics_mark_message"();
--> statement-breakpoint
DROP FUNCTION "analytics_mark_returning_visitor"();
--> statement-breakpoint
CREATE FUNCTION "analytics_mark_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (org_id, bot_id, bucket)
    SELECT DISTINCT org_id, bot_id, analytics_bucket(created_at) FROM changed WHERE bot_id IS NOT NULL;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- An update marks the buckets of the rows before and after it.
CREATE FUNCTION "analytics_mark_updated_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (org_id, bot_id, bucket)
    SELECT org_id, bot_id, analytics_bucket(created_at) FROM before_update WHERE bot_id IS NOT NULL
    UNION
    SELECT org_id, bot_id, analytics_bucket(created_at) FROM changed WHERE bot_id IS NOT NULL;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- A message counts in its own bucket and in its conversation's (messages per conversation, first response).
CREATE FUNCTION "analytics_mark_messages"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (org_id, bot_id, bucket)
    SELECT org_id, bot_id, analytics_bucket(created_at) FROM changed
    UNION
    SELECT c.org_id, c.bot_id, analytics_bucket(c.created_at) FROM conversations c
    WHERE c.id IN (SELECT conversation_id FROM changed);
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Only the columns a metric reads: a message's count and time updates stay free of marks. 0009 said so
-- in the trigger's WHEN, which a statement trigger cannot have, so rows are paired by id here; a row
-- whose id changed has no pair and is marked on both sides.
CREATE FUNCTION "analytics_mark_conversation_updates"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (org_id, bot_id, bucket)
    SELECT DISTINCT side.org_id, side.bot_id, analytics_bucket(side.created_at)
    FROM before_update o FULL JOIN changed n ON n.id = o.id,
      LATERAL (VALUES (o.org_id, o.bot_id, o.created_at), (n.org_id, n.bot_id, n.created_at)) AS side(org_id, bot_id, created_at)
    WHERE side.bot_id IS NOT NULL
      AND (o.id IS NULL OR n.id IS NULL
        OR o.status IS DISTINCT FROM n.status OR o.escalated_at IS DISTINCT FROM n.escalated_at
        OR o.resolved_at IS DISTINCT FROM n.resolved_at OR o.assignee_id IS DISTINCT FROM n.assignee_id
        OR o.end_user_id IS DISTINCT FROM n.end_user_id OR o.created_at IS DISTINCT FROM n.created_at);
  RETURN NULL;
END $$;
--> statement-breakpoint
-- A new conversation of an identified visitor can end the durable resolution of their earlier ones.
CREATE FUNCTION "analytics_mark_returning_visitors"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_dirty (org_id, bot_id, bucket)
    SELECT DISTINCT c.org_id, c.bot_id, analytics_bucket(c.created_at)
    FROM changed n JOIN conversations c ON c.bot_id = n.bot_id AND c.end_user_id = n.end_user_id
    WHERE n.end_user_id IS NOT NULL AND c.end_user_id IS NOT NULL AND c.created_at < n.created_at
      AND c.resolved_at >= n.created_at - interval '7 days';
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "messages_analytics_insert" AFTER INSERT ON "messages" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_messages();
--> statement-breakpoint
CREATE TRIGGER "messages_analytics_delete" AFTER DELETE ON "messages" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_messages();
--> statement-breakpoint
CREATE TRIGGER "conversations_analytics_insert" AFTER INSERT ON "conversations" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "conversations_analytics_delete" AFTER DELETE ON "conversations" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "conversations_analytics_update" AFTER UPDATE ON "conversations"
  REFERENCING OLD TABLE AS before_update NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_conversation_updates();
--> statement-breakpoint
CREATE TRIGGER "conversations_analytics_visitor" AFTER INSERT ON "conversations" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_returning_visitors();
--> statement-breakpoint
CREATE TRIGGER "feedback_analytics_insert" AFTER INSERT ON "feedback" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "feedback_analytics_update" AFTER UPDATE ON "feedback"
  REFERENCING OLD TABLE AS before_update NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_updated_rows();
--> statement-breakpoint
CREATE TRIGGER "feedback_analytics_delete" AFTER DELETE ON "feedback" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "leads_analytics_insert" AFTER INSERT ON "leads" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "leads_analytics_delete" AFTER DELETE ON "leads" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "escalation_tickets_analytics_insert" AFTER INSERT ON "escalation_tickets" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "escalation_tickets_analytics_delete" AFTER DELETE ON "escalation_tickets" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "usage_events_analytics_insert" AFTER INSERT ON "usage_events" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
--> statement-breakpoint
CREATE TRIGGER "usage_events_analytics_delete" AFTER DELETE ON "usage_events" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION analytics_mark_rows();
