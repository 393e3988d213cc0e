CREATE TABLE "retention_policies" (
	"org_id" uuid PRIMARY KEY NOT NULL,
	"messages_days" integer,
	"leads_days" integer,
	"feedback_days" integer,
	"audit_days" integer,
	"webhook_deliveries_days" integer,
	"inbound_events_days" integer,
	"usage_events_days" integer,
	"exports_days" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "retention_policies_days_check" CHECK (least("retention_policies"."messages_days", "retention_policies"."leads_days", "retention_policies"."feedback_days", "retention_policies"."audit_days", "retention_policies"."webhook_deliveries_days", "retention_policies"."inbound_events_days", "retention_policies"."usage_events_days", "retention_policies"."exports_days") >= 1)
);
--> statement-breakpoint
ALTER TABLE "retention_policies" ADD CONSTRAINT "retention_policies_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "domain_events_org_created_idx" ON "domain_events" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "webhook_attempts_org_created_idx" ON "webhook_attempts" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "webhook_messages_org_created_idx" ON "webhook_messages" USING btree ("org_id","created_at");