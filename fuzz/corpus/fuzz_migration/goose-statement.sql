-- +goose Up
-- +goose StatementBegin
CREATE TRIGGER tr AFTER INSERT ON t BEGIN
  SELECT 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER tr;
