-- +goose Up
-- A window that lost the server records uses in the browser and sends them when it is back: used_at
-- is when the holder was served (the quota year and the day's figures go by it), received_at when
-- the server recorded the use. A use recorded online has both the same.
ALTER TABLE service_uses ADD COLUMN received_at timestamptz NOT NULL DEFAULT now();
UPDATE service_uses SET received_at = used_at;

-- +goose Down
ALTER TABLE service_uses DROP COLUMN received_at;
