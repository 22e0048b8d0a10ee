-- +goose Up
-- A talent's photo, for the face-to-face check at the window and the printed card. Stored as the
-- re-encoded image (metadata stripped), at most 2 MiB; one photo per talent, replaced on upload.
CREATE TABLE talent_photos (
    talent_id      bigint      PRIMARY KEY REFERENCES talents (id) ON DELETE CASCADE,
    content_type   text        NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    image          bytea       NOT NULL CHECK (length(image) BETWEEN 1 AND 2097152),
    sha256         bytea       NOT NULL CHECK (length(sha256) = 32),
    width          integer     NOT NULL CHECK (width > 0),
    height         integer     NOT NULL CHECK (height > 0),
    uploaded_by_id bigint      REFERENCES accounts (id),
    uploaded_at    timestamptz NOT NULL DEFAULT now()
);
-- +goose Down
DROP TABLE talent_photos;
