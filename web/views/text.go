package views

import (
	"context"

	"mamori/web/i18n"
)

// tr picks the English text when the page is in English and there is one,
// otherwise the Japanese (the reference text).
func tr(ctx context.Context, ja, en string) string {
	if i18n.Lang(ctx) == "en" && en != "" {
		return en
	}
	return ja
}
