CREATE TABLE "escalation_ticket_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"ticket_id" uuid NOT NULL,
	"type" text NOT NULL,
	"actor_id" uuid,
	"from_status" text,
	"to_status" text,
	"assignee_id" uuid,
	"body" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"dispatch_status" text,
	"dispatch_attempts" integer DEFAULT 0 NOT NULL,
	"dispatch_error" text,
	"dispatched_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "escalation_ticket_events_type_check" CHECK ("escalation_ticket_events"."type" in ('created', 'status_changed', 'assigned', 'commented'))
);
--> statement-breakpoint
CREATE TABLE "escalation_tickets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"bot_id" uuid NOT NULL,
	"conversation_id" uuid,
	"status" text DEFAULT 'open' NOT NULL,
	"priority" text DEFAULT 'normal' NOT NULL,
	"channel" text NOT NULL,
	"reason" text NOT NULL,
	"subject" text NOT NULL,
	"assignee_id" uuid,
	"transcript_message_id" uuid,
	"pending_at" timestamp with time zone,
	"in_progress_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"reopened_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "escalation_tickets_status_check" CHECK ("escalation_tickets"."status" in ('open', 'pending', 'in_progress', 'resolved', 'closed')),
	CONSTRAINT "escalation_tickets_priority_check" CHECK ("escalation_tickets"."priority" in ('low', 'normal', 'high', 'urgent')),
	CONSTRAINT "escalation_tickets_channel_check" CHECK ("escalation_tickets"."channel" in ('widget', 'email', 'webhook', 'api'))
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "assignee_id" uuid;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "tags" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "escalation_email" text;--> statement-breakpoint
ALTER TABLE "escalation_ticket_events" ADD CONSTRAINT "escalation_ticket_events_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_ticket_events" ADD CONSTRAINT "escalation_ticket_events_ticket_id_escalation_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."escalation_tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_ticket_events" ADD CONSTRAINT "escalation_ticket_events_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_ticket_events" ADD CONSTRAINT "escalation_ticket_events_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_tickets" ADD CONSTRAINT "escalation_tickets_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_tickets" ADD CONSTRAINT "escalation_tickets_bot_id_bots_id_fk" FOREIGN KEY ("bot_id") REFERENCES "public"."bots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_tickets" ADD CONSTRAINT "escalation_tickets_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_tickets" ADD CONSTRAINT "escalation_tickets_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "escalation_ticket_events_ticket_idx" ON "escalation_ticket_events" USING btree ("ticket_id","id");--> statement-breakpoint
CREATE INDEX "escalation_tickets_org_idx" ON "escalation_tickets" USING btree ("org_id","id");--> statement-breakpoint
CREATE INDEX "escalation_tickets_org_status_idx" ON "escalation_tickets" USING btree ("org_id","status","id");--> statement-breakpoint
CREATE INDEX "escalation_tickets_org_assignee_idx" ON "escalation_tickets" USING btree ("org_id","assignee_id","id");--> statement-breakpoint
CREATE INDEX "escalation_tickets_conversation_idx" ON "escalation_tickets" USING btree ("conversation_id");--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversations_org_assignee_idx" ON "conversations" USING btree ("org_id","assignee_id","id");