package server

import "mamori/internal/export"

// The JSON shape of the row errors of /api/v1/assessments/{id}/import.

// apiRowError is a row error of an import, with its message in the
// request's language.
type apiRowError struct {
	export.RowError
	Message string `json:"message"`
}
