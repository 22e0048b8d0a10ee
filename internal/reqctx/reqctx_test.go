package reqctx

import (
	"context"
	"testing"
)

func TestLangOf(t *testing.T) {
	for header, want := range map[string]string{
		"":                          "zh",
		"zh-CN":                     "zh",
		"en":                        "en",
		"en-US,en;q=0.9":            "en",
		"zh-CN,zh;q=0.9,en;q=0.8":   "zh",
		"fr-FR, en;q=0.5, zh;q=0.4": "en",
		"en;q=0, zh-TW":             "zh",
		"de":                        "zh",
		"zh;q=0.2, en-GB;q=0.7":     "en",
	} {
		if got := LangOf(header); got != want {
			t.Errorf("LangOf(%q) = %q, want %q", header, got, want)
		}
	}
	if Lang(context.Background()) != "zh" || Lang(WithLang(context.Background(), "en")) != "en" {
		t.Error("Lang: default Chinese, English when asked")
	}
}
