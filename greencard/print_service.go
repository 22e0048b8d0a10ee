package greencard

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"strconv"

	"talentd/internal/postgres"
	"talentd/internal/qrpng"
	"talentd/talent"
)

// QRPNG returns the PNG of the card's current QR, encoded once per version.
func (s *Service) QRPNG(c Card) ([]byte, error) {
	key := c.Serial + "." + strconv.Itoa(c.CurrentVersion)
	if png, ok := s.qr.get(key); ok {
		return png, nil
	}
	png, err := qrpng.Encode(c.Token, 8)
	if err != nil {
		return nil, err
	}
	s.qr.put(key, png)
	return png, nil
}

// QRETag is the entity tag of a card's QR: one per card version.
func QRETag(c Card) string { return `"` + c.Serial + "." + strconv.Itoa(c.CurrentVersion) + `"` }

// printStyle is the printed card's only style sheet; PrintCSP allows it by its digest.
const printStyle = `
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em}
.card{width:85.6mm;height:54mm;border:1px solid #2e7d32;border-radius:3mm;padding:4mm;box-sizing:border-box;display:flex;gap:4mm;background:#f1f8e9}
.card .qr{width:34mm;height:34mm;image-rendering:pixelated}
.card .photo{width:22mm;height:30mm;object-fit:cover;border:1px solid #c5e1a5}
h1{font-size:14pt;margin:0 0 2mm;color:#1b5e20}.cls{font-size:22pt;font-weight:bold;color:#1b5e20}
p{margin:0 0 1mm;font-size:9pt}
@media print{body{margin:0}}
`

// PrintCSP is the Content-Security-Policy of the printed card page: nothing but its own style
// sheet and the images inlined as data: URIs (the QR code and the photo).
var PrintCSP = "default-src 'none'; img-src data:; style-src 'sha256-" + styleDigest(printStyle) + "'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func styleDigest(css string) string {
	sum := sha256.Sum256([]byte(css))
	return base64.StdEncoding.EncodeToString(sum[:])
}

var printTemplate = template.Must(template.New("card").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>人才绿卡 {{.Serial}}</title>
<style>` + printStyle + `</style></head><body>
<div class="card">{{if .Photo}}<div><img class="photo" alt="照片" src="{{.Photo}}"></div>{{end}}
<div><h1>璧山区人才绿卡</h1><p class="cls">{{.Class}} 类</p>
<p>姓名：{{.Name}}</p><p>编号：{{.Serial}}（第{{.Version}}版）</p><p>有效期至：{{.Expires}}</p></div>
<div><img class="qr" alt="QR" src="{{.QR}}"></div></div>
</body></html>`))

// PrintPage renders the printable card: the holder's photo when there is one, name, class,
// serial, validity and the QR — all inline, so the page prints alone under PrintCSP.
func (s *Service) PrintPage(ctx context.Context, serial string) ([]byte, error) {
	c, err := s.CardBySerial(ctx, serial)
	if err != nil {
		return nil, err
	}
	pc, err := s.printable(ctx, c)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = printTemplate.Execute(&buf, pc)
	return buf.Bytes(), err
}

// printable is what the card c shows when printed, its images as data: URIs.
func (s *Service) printable(ctx context.Context, c Card) (PrintableCard, error) {
	t, err := s.talents.GetTalent(ctx, c.TalentID)
	if err != nil {
		return PrintableCard{}, err
	}
	png, err := s.QRPNG(c)
	if err != nil {
		return PrintableCard{}, err
	}
	pc := PrintableCard{Serial: c.Serial, Version: c.CurrentVersion, Class: c.Grade, Name: t.Name,
		Expires: c.ExpiresOn.String(), QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))}
	switch p, err := talent.PhotoOf(ctx, s.db, c.TalentID); {
	case err == nil:
		// The photo was re-encoded on upload and its type is one the database allows: a data URI
		// of it is safe to place as it is.
		pc.Photo = template.URL("data:" + p.ContentType + ";base64," + base64.StdEncoding.EncodeToString(p.Image))
	case !errors.Is(err, talent.ErrPhotoNotFound):
		return PrintableCard{}, postgres.Translate(err, "holder photo")
	}
	return pc, nil
}
