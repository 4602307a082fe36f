// Package i18n holds the message catalogs of the user interface (Japanese,
// the reference, and English) and picks the language of a request.
package i18n

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

//go:embed ja.json en.json
var files embed.FS

// Langs are the supported languages; the first is the default.
var Langs = []string{"ja", "en"}

// JST is Japan Standard Time: pages and exports show times in it, whatever
// the language.
var JST = time.FixedZone("JST", 9*3600)

var catalogs = sync.OnceValue(func() map[string]map[string]string {
	m := map[string]map[string]string{}
	for _, l := range Langs {
		data, err := files.ReadFile(l + ".json")
		if err != nil {
			panic(fmt.Sprintf("i18n: read %s catalog: %v", l, err))
		}
		var c map[string]string
		if err := json.Unmarshal(data, &c); err != nil {
			panic(fmt.Sprintf("i18n: parse %s catalog: %v", l, err))
		}
		m[l] = c
	}
	return m
})

// Catalog returns the messages of one language (for tests).
func Catalog(lang string) map[string]string { return catalogs()[lang] }

type ctxKey struct{}

// WithLang returns a context carrying the language.
func WithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, ctxKey{}, lang)
}

// Lang returns the context's language, Japanese by default.
func Lang(ctx context.Context) string {
	if l, ok := ctx.Value(ctxKey{}).(string); ok {
		return l
	}
	return Langs[0]
}

// T returns the message for key in the context's language, formatted with
// args (fmt verbs). A missing key shows the key itself, so a test can find it.
func T(ctx context.Context, key string, args ...any) string {
	return TL(Lang(ctx), key, args...)
}

// TL is T for an explicit language.
func TL(lang, key string, args ...any) string {
	msg, ok := catalogs()[lang][key]
	if !ok {
		msg, ok = catalogs()[Langs[0]][key]
		if !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Supported reports whether lang is one of Langs.
func Supported(lang string) bool {
	for _, l := range Langs {
		if l == lang {
			return true
		}
	}
	return false
}

// FromAcceptLanguage picks the first supported language of an
// Accept-Language header (quality values are honoured by order, which is
// what browsers send), or "".
func FromAcceptLanguage(h string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(h, ",") {
		tag, q := strings.TrimSpace(part), 1.0
		if i := strings.Index(tag, ";"); i >= 0 {
			var qq float64
			if _, err := fmt.Sscanf(strings.TrimSpace(tag[i+1:]), "q=%g", &qq); err == nil {
				q = qq
			}
			tag = strings.TrimSpace(tag[:i])
		}
		base := strings.ToLower(strings.SplitN(tag, "-", 2)[0])
		if Supported(base) && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}
