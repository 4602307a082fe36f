// Package web holds the user interface's files: the static assets (served
// under content-hashed URLs), the templ views and the message catalogs.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"
	"sync"
)

//go:embed static
var staticFS embed.FS

// Static is the static folder's content.
var Static, _ = fs.Sub(staticFS, "static")

type assetIndex struct {
	url  map[string]string // "app.css" -> "/static/app.3f2a9c1b.css"
	file map[string]string // "app.3f2a9c1b.css" -> "app.css"
}

var assets = sync.OnceValue(func() assetIndex {
	idx := assetIndex{url: map[string]string{}, file: map[string]string{}}
	_ = fs.WalkDir(Static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(Static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ext := path.Ext(p)
		hashed := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:])[:12] + ext
		idx.url[p] = "/static/" + hashed
		idx.file[hashed] = p
		return nil
	})
	return idx
})

// Asset returns the content-hashed URL of a static file, e.g.
// Asset("app.css") = "/static/app.0123456789ab.css". It panics on an unknown
// name: a typo must fail the first test that renders the page.
func Asset(name string) string {
	u, ok := assets().url[name]
	if !ok {
		panic("web: unknown asset " + name)
	}
	return u
}

// AssetFile maps a hashed file name back to the embedded file, or "".
func AssetFile(hashed string) string { return assets().file[hashed] }
