package iso20022

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"talentd/internal/errs"
	"talentd/internal/money"
)

// DefaultReportLimit is the size ReadPain002 allows when its caller gives no limit: 8 MiB holds a
// report on tens of thousands of lines.
const DefaultReportLimit = 8 << 20

// Bounds of a report's shape, far beyond any real report, so that a hostile file cannot make the
// reader build deep or huge trees within the size limit.
const (
	maxDepth      = 24      // pain.002 nests about ten levels deep where talentd reads it
	maxElements   = 1 << 20 // elements in one report
	maxAttributes = 16      // attributes (namespace declarations included) on one element
	maxLines      = 100_000 // TxInfAndSts in one report
)

// Errors ReadPain002 returns, each Invalid: the file is refused whole.
var (
	ErrReportTooLarge = errs.New(errs.Invalid, "status_report_too_large",
		"银行回执文件过大，请确认选择的是 pain.002 付款状态报告", "the status report file is too large")
	ErrReportMalformed = errs.New(errs.Invalid, "status_report_malformed",
		"银行回执文件不是有效的 XML，无法读取，请向银行重新获取", "the status report is not well-formed XML")
	ErrReportDoctype = errs.New(errs.Invalid, "status_report_doctype",
		"银行回执文件含有文档类型声明（DOCTYPE）或处理指令，出于安全原因不予读取",
		"the status report holds a DOCTYPE or a processing instruction, which is refused for safety")
	ErrReportTooComplex = errs.New(errs.Invalid, "status_report_too_complex",
		"银行回执文件的结构层次或条目数量超出合理范围，不予读取",
		"the status report nests too deep or holds too many elements")
	ErrReportWrongKind = errs.New(errs.Invalid, "status_report_wrong_kind",
		"该文件不是 pain.002 付款状态报告（支持 001.001.09 至 001.001.11 版本）",
		"the file is not a pain.002 payment status report (versions 001.001.09 to 001.001.11)")
	ErrReportMissing = errs.New(errs.Invalid, "status_report_missing_element",
		"银行回执缺少必需的内容", "the status report lacks a required element")
	ErrReportBadAmount = errs.New(errs.Invalid, "status_report_invalid_amount",
		"银行回执中的金额格式不正确", "the status report holds an amount that is not valid")
	ErrReportBadCount = errs.New(errs.Invalid, "status_report_invalid_count",
		"银行回执中的笔数格式不正确", "the status report holds a count that is not a number")
	ErrReportBadStatus = errs.New(errs.Invalid, "status_report_unknown_status",
		"银行回执中的状态代码无法识别", "the status report holds a status code that is not known")
	ErrReportBadText = errs.New(errs.Invalid, "status_report_invalid_text",
		"银行回执中的编号过长或含有不允许的字符", "the status report holds an identifier that is too long or has characters not allowed")
)

// The structs below are the parts of pain.002 talentd reads; optional elements are pointers so
// that "not stated" differs from "stated empty".

type p002Document struct {
	Report struct {
		GrpHdr struct {
			MsgID string `xml:"MsgId"`
		} `xml:"GrpHdr"`
		Group struct {
			OrgnlMsgID   *string      `xml:"OrgnlMsgId"`
			OrgnlMsgNmID *string      `xml:"OrgnlMsgNmId"`
			OrgnlNbOfTxs *string      `xml:"OrgnlNbOfTxs"`
			OrgnlCtrlSum *string      `xml:"OrgnlCtrlSum"`
			GrpSts       *string      `xml:"GrpSts"`
			StsRsnInf    []p002Reason `xml:"StsRsnInf"`
		} `xml:"OrgnlGrpInfAndSts"`
		Payments []p002Payment `xml:"OrgnlPmtInfAndSts"`
	} `xml:"CstmrPmtStsRpt"`
}

type p002Reason struct {
	Cd    *string `xml:"Rsn>Cd"`
	Prtry *string `xml:"Rsn>Prtry"`
}

type p002Payment struct {
	OrgnlPmtInfID *string      `xml:"OrgnlPmtInfId"`
	OrgnlNbOfTxs  *string      `xml:"OrgnlNbOfTxs"`
	OrgnlCtrlSum  *string      `xml:"OrgnlCtrlSum"`
	PmtInfSts     *string      `xml:"PmtInfSts"`
	StsRsnInf     []p002Reason `xml:"StsRsnInf"`
	Transactions  []p002Tx     `xml:"TxInfAndSts"`
}

type p002Tx struct {
	OrgnlInstrID    *string      `xml:"OrgnlInstrId"`
	OrgnlEndToEndID *string      `xml:"OrgnlEndToEndId"`
	TxSts           *string      `xml:"TxSts"`
	StsRsnInf       []p002Reason `xml:"StsRsnInf"`
	InstdAmt        *p002Amount  `xml:"OrgnlTxRef>Amt>InstdAmt"`
}

type p002Amount struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

// ReadPain002 reads a pain.002 Customer Payment Status Report of at most limit bytes (limit <= 0
// means DefaultReportLimit). It refuses, with an Invalid error naming what is wrong, a file that
// is larger, not well-formed, holds a DOCTYPE or processing instruction, nests or branches past
// sane bounds, is not a pain.002 of version 9 to 11, holds elements of another namespace, misses
// OrgnlMsgId, OrgnlMsgNmId or a line's OrgnlEndToEndId, or states an amount, count or status
// that is not valid (amounts must be CNY with at most two decimals). Reading does not compare the
// report with a run: call Check for that.
func ReadPain002(r io.Reader, limit int64) (StatusReport, error) {
	if limit <= 0 {
		limit = DefaultReportLimit
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return StatusReport{}, ErrReportMalformed.With(err)
	}
	if int64(len(data)) > limit {
		return StatusReport{}, errs.Newf(errs.Invalid, ErrReportTooLarge.Code,
			"银行回执文件过大（超过 %d KB），请确认选择的是 pain.002 付款状态报告",
			"the status report file is larger than %d KB", limit/1024)
	}
	if err := scan(data); err != nil {
		return StatusReport{}, err
	}
	var doc p002Document
	if err := xml.Unmarshal(data, &doc); err != nil {
		return StatusReport{}, ErrReportMalformed.With(err)
	}
	return doc.report()
}

// scan walks the tokens of data once, before anything is decoded, and refuses what ReadPain002
// promises to refuse about the file's shape.
func scan(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	var ns string
	depth, elements, lines := 0, 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if elements == 0 {
				return ErrReportMalformed
			}
			return nil
		}
		if err != nil {
			return ErrReportMalformed.With(err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return ErrReportDoctype
		case xml.ProcInst:
			if t.Target != "xml" {
				return ErrReportDoctype
			}
		case xml.StartElement:
			depth++
			elements++
			if depth > maxDepth || elements > maxElements || len(t.Attr) > maxAttributes {
				return ErrReportTooComplex
			}
			if elements == 1 {
				if t.Name.Local != "Document" || !slices.Contains(Pain002Namespaces, t.Name.Space) {
					return ErrReportWrongKind
				}
				ns = t.Name.Space
			}
			if t.Name.Space != ns {
				return ErrReportWrongKind
			}
			if t.Name.Local == "TxInfAndSts" {
				if lines++; lines > maxLines {
					return ErrReportTooComplex
				}
			}
		case xml.EndElement:
			depth--
		}
	}
}

// report turns the decoded document into a StatusReport, refusing values that are not valid.
func (doc *p002Document) report() (StatusReport, error) {
	g := doc.Report.Group
	var rep StatusReport
	var err error
	if rep.MessageID, err = optionalID(&doc.Report.GrpHdr.MsgID, "GrpHdr/MsgId"); err != nil {
		return StatusReport{}, err
	}
	if rep.OriginalMessageID, err = requiredID(g.OrgnlMsgID, "OrgnlGrpInfAndSts/OrgnlMsgId"); err != nil {
		return StatusReport{}, err
	}
	if rep.OriginalMessageKind, err = requiredID(g.OrgnlMsgNmID, "OrgnlGrpInfAndSts/OrgnlMsgNmId"); err != nil {
		return StatusReport{}, err
	}
	if rep.OriginalCount, err = count(g.OrgnlNbOfTxs); err != nil {
		return StatusReport{}, err
	}
	if rep.OriginalControlSum, err = controlSum(g.OrgnlCtrlSum); err != nil {
		return StatusReport{}, err
	}
	if rep.Group, err = status(g.GrpSts, g.StsRsnInf); err != nil {
		return StatusReport{}, err
	}
	for i, p := range doc.Report.Payments {
		var ps PaymentStatus
		if ps.OriginalPaymentInfoID, err = requiredID(p.OrgnlPmtInfID, "OrgnlPmtInfAndSts/OrgnlPmtInfId"); err != nil {
			return StatusReport{}, err
		}
		if ps.OriginalCount, err = count(p.OrgnlNbOfTxs); err != nil {
			return StatusReport{}, err
		}
		if ps.OriginalControlSum, err = controlSum(p.OrgnlCtrlSum); err != nil {
			return StatusReport{}, err
		}
		if ps.Status, err = status(p.PmtInfSts, p.StsRsnInf); err != nil {
			return StatusReport{}, err
		}
		rep.Payments = append(rep.Payments, ps)
		for _, tx := range p.Transactions {
			line, err := tx.line(i)
			if err != nil {
				return StatusReport{}, err
			}
			rep.Lines = append(rep.Lines, line)
		}
	}
	return rep, nil
}

func (tx p002Tx) line(payment int) (LineStatus, error) {
	l := LineStatus{payment: payment}
	var err error
	if l.EndToEndID, err = requiredID(tx.OrgnlEndToEndID, "TxInfAndSts/OrgnlEndToEndId"); err != nil {
		return l, err
	}
	if l.InstructionID, err = optionalID(tx.OrgnlInstrID, "TxInfAndSts/OrgnlInstrId"); err != nil {
		return l, err
	}
	if l.Status, err = status(tx.TxSts, tx.StsRsnInf); err != nil {
		return l, err
	}
	if tx.InstdAmt != nil {
		amount, ok := parseDecimal(strings.TrimSpace(tx.InstdAmt.Value))
		if !ok || amount == 0 || strings.TrimSpace(tx.InstdAmt.Ccy) != Currency {
			return l, errs.Newf(errs.Invalid, ErrReportBadAmount.Code,
				"银行回执中付款 %s 的金额 %s %s 不正确：应为人民币（CNY）正数，最多两位小数",
				"the amount %[3]s %[2]s of line %[1]s is not valid: it must be a positive CNY amount with at most two decimals",
				l.EndToEndID, quoted(tx.InstdAmt.Value), quoted(tx.InstdAmt.Ccy))
		}
		l.Amount = &amount
	}
	return l, nil
}

// requiredID returns the trimmed text of an identifier the report must state.
func requiredID(s *string, element string) (string, error) {
	if s == nil || strings.TrimSpace(*s) == "" {
		return "", errs.Newf(errs.Invalid, ErrReportMissing.Code,
			"银行回执缺少必需的内容：%s", "the status report lacks %s", element)
	}
	return optionalID(s, element)
}

// optionalID returns the trimmed text of an identifier, empty when not stated. Banks choose
// their own identifiers (underscores, Chinese), so only what no Max35Text may hold is refused:
// more than 35 characters, or control characters.
func optionalID(s *string, element string) (string, error) {
	if s == nil {
		return "", nil
	}
	id := strings.TrimSpace(*s)
	if strings.ContainsFunc(id, unicode.IsControl) {
		return "", errs.Newf(errs.Invalid, ErrReportBadText.Code,
			"银行回执中的 %s 含有不允许的控制字符", "the status report's %s has control characters", element)
	}
	if utf8.RuneCountInString(id) > max35Text {
		return "", errs.Newf(errs.Invalid, ErrReportBadText.Code,
			"银行回执中的 %s 超过 35 个字符", "the status report's %s is longer than 35 characters", element)
	}
	return id, nil
}

func count(s *string) (*int, error) {
	if s == nil {
		return nil, nil
	}
	n, ok := parseCount(strings.TrimSpace(*s))
	if !ok {
		return nil, errs.Newf(errs.Invalid, ErrReportBadCount.Code,
			"银行回执中的笔数 %s 不是有效的数字", "the count %s in the status report is not a number", quoted(*s))
	}
	return &n, nil
}

func controlSum(s *string) (*money.Fen, error) {
	if s == nil {
		return nil, nil
	}
	sum, ok := parseDecimal(strings.TrimSpace(*s))
	if !ok {
		return nil, errs.Newf(errs.Invalid, ErrReportBadAmount.Code,
			"银行回执中的合计金额 %s 不正确：应为正数，最多两位小数",
			"the control sum %s in the status report is not valid: it must be a positive amount with at most two decimals",
			quoted(*s))
	}
	return &sum, nil
}

// status reads a stated status and the reason code of its first reason.
func status(code *string, reasons []p002Reason) (Status, error) {
	if code == nil {
		return Status{}, nil
	}
	c := strings.TrimSpace(*code)
	outcome, known := statusOutcomes[c]
	if !known {
		return Status{}, errs.Newf(errs.Invalid, ErrReportBadStatus.Code,
			"银行回执中的状态代码 %s 无法识别", "the status code %s in the status report is not known", quoted(c))
	}
	s := Status{Code: c, Outcome: outcome}
	if len(reasons) > 0 {
		r := reasons[0].Cd
		if r == nil {
			r = reasons[0].Prtry
		}
		reason, err := optionalID(r, "StsRsnInf/Rsn")
		if err != nil {
			return Status{}, err
		}
		s.Reason = reason
	}
	return s, nil
}

// quoted makes text from a file safe and short enough to repeat in a message: at most 40
// characters, quoted, control characters escaped.
func quoted(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return strconv.Quote(s)
}
