-- A station's CALL and the answer Centrale sent to it are one row (the busiest traffic costs one
-- row per round trip): the answer's message type, text and time beside the CALL's.
ALTER TABLE message_log ADD COLUMN reply_type BIGINT;
ALTER TABLE message_log ADD COLUMN reply_frame TEXT;
ALTER TABLE message_log ADD COLUMN reply_at TIMESTAMPTZ;
