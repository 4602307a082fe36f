// Package migrations holds the SQL schema as numbered golang-migrate files.
// Released files are never edited: a change is a new file.
package migrations

import "embed"

// FS holds every *.sql file of this folder.
//
//go:embed *.sql
var FS embed.FS
