-- btree_gin lets a GIN index lead with the bot id (a uuid); it is a trusted contrib extension.
CREATE EXTENSION IF NOT EXISTS btree_gin;--> statement-breakpoint
DROP INDEX "knowledge_entries_search_idx";--> statement-breakpoint
CREATE INDEX "knowledge_entries_bot_search_idx" ON "knowledge_entries" USING gin ("bot_id","search");
