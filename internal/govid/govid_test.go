package govid_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-playground/validator/v10"

	"talentd/internal/civil"
	"talentd/internal/errs"
	"talentd/internal/govid"
)

func TestCheckUSCC(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want error // nil for a valid code
	}{
		// 91350100M000100Y43 is the example most often quoted for GB 32100; by hand the weighted
		// sum of its first 17 characters is 1640, 1640 mod 31 = 28, and 31-28 = 3.
		{"QuotedExample", "91350100M000100Y43", nil},
		{"EnterpriseShenzhen", "914403001922038216", nil},
		{"EnterpriseShenzhenLetterCheck", "91440300708461136T", nil},
		{"EnterpriseHangzhou", "91330100716105852F", nil},
		{"WrongCheckChar", "91350100M000100Y44", govid.ErrChecksum},
		{"SwappedCharacters", "91350100M000100Y34", govid.ErrChecksum},
		{"TooShort", "91350100M000100Y4", govid.ErrLength},
		{"TooLong", "91350100M000100Y433", govid.ErrLength},
		{"Empty", "", govid.ErrLength},
		{"LetterI", "91350100MI00100Y43", govid.ErrCharset},
		{"LetterO", "91350100MO00100Y43", govid.ErrCharset},
		{"LetterZ", "91350100MZ00100Y43", govid.ErrCharset},
		{"LetterS", "91350100MS00100Y43", govid.ErrCharset},
		{"LetterV", "91350100MV00100Y43", govid.ErrCharset},
		{"LowerCase", "91350100m000100y43", govid.ErrCharset},
		{"Space", "91350100 000100Y43", govid.ErrCharset},
		{"FullWidthDigit", "９1350100M000100Y", govid.ErrCharset},
		{"UnassignedAuthority", "B1350100M000100Y43", govid.ErrFormat},
		{"TypeZero", "90350100M000100Y43", govid.ErrFormat},
		{"LetterInDivisionCode", "9135A100M000100Y43", govid.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := govid.CheckUSCC(tt.in)
			if got := govid.ValidUSCC(tt.in); got != (tt.want == nil) {
				t.Errorf("ValidUSCC(%q) = %v, CheckUSCC error %v", tt.in, got, err)
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckUSCC(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("CheckUSCC(%q) = %v, want cause %v", tt.in, err, tt.want)
			}
			assertClientMessage(t, err, "unified social credit code", "统一社会信用代码", "uscc_")
		})
	}
}

func TestCheckUSCC_Messages(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"91350100M000100Y4", "exactly 18 characters, got 17"},
		{"91350100MO00100Y43", `character 10 is 'O'; did you mean '0'?`},
		{"91350100m000100y43", "upper case"},
		{"91350100M000100Y44", "check character"},
	}
	for _, tt := range tests {
		var e *errs.Error
		if err := govid.CheckUSCC(tt.in); !errors.As(err, &e) {
			t.Errorf("CheckUSCC(%q) = %v, want an *errs.Error", tt.in, err)
		} else if !strings.Contains(e.Message, tt.want) {
			t.Errorf("CheckUSCC(%q) message = %q, want it to contain %q", tt.in, e.Message, tt.want)
		}
	}
}

func TestUSCCCheckChar(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"91350100M000100Y43", "914403001922038216", "91440300708461136T"} {
		c, err := govid.USCCCheckChar(code[:17])
		if err != nil || c != code[17] {
			t.Errorf("USCCCheckChar(%q) = %q, %v; want %q", code[:17], c, err, code[17])
		}
	}
	// A generator may pick any body; the check character makes it valid.
	body := "91500120MA60000001"[:17]
	c, err := govid.USCCCheckChar(body)
	if err != nil {
		t.Fatal(err)
	}
	if code := body + string(c); !govid.ValidUSCC(code) {
		t.Errorf("generated %q is not valid: %v", code, govid.CheckUSCC(code))
	}
	for _, bad := range []string{"", "91350100M000100Y", "91350100M000100Y43", "91350100MI00100Y4"} {
		if _, err := govid.USCCCheckChar(bad); err == nil {
			t.Errorf("USCCCheckChar(%q) succeeded, want an error", bad)
		}
	}
}

func TestParseIDNumber(t *testing.T) {
	t.Parallel()
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	valid := []struct {
		name string
		in   string
		want govid.IDNumber
	}{
		// The worked example of GB 11643-1999.
		{"StandardSample", "11010519491231002X", govid.IDNumber{Region: "110105", BirthDate: date(1949, 12, 31), Gender: "female"}},
		{"LowerCaseX", "11010519491231002x", govid.IDNumber{Region: "110105", BirthDate: date(1949, 12, 31), Gender: "female"}},
		{"BishanMale", "500227199001011239", govid.IDNumber{Region: "500227", BirthDate: date(1990, 1, 1), Gender: "male"}},
		{"BishanFemale", "500120198506150029", govid.IDNumber{Region: "500120", BirthDate: date(1985, 6, 15), Gender: "female"}},
		{"LeapDay", withCheck("11010120000229003"), govid.IDNumber{Region: "110101", BirthDate: date(2000, 2, 29), Gender: "male"}},
		{"HongKongResidencePermit", withCheck("81000019920312004"), govid.IDNumber{Region: "810000", BirthDate: date(1992, 3, 12), Gender: "female"}},
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := govid.ParseIDNumber(tt.in)
			if err != nil {
				t.Fatalf("ParseIDNumber(%q) = %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseIDNumber(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}

	future := time.Now().In(civil.District).AddDate(0, 0, 2).Format("20060102")
	invalid := []struct {
		name string
		in   string
		want error
	}{
		{"WrongCheckChar", "110105194912310021", govid.ErrChecksum},
		{"SwappedDigits", "11010519491213002X", govid.ErrChecksum},
		{"TooShort", "11010519491231002", govid.ErrLength},
		{"TooLong", "11010519491231002XX", govid.ErrLength},
		{"OldFifteenDigit", "110105491231002", govid.ErrLength},
		{"Empty", "", govid.ErrLength},
		{"LetterInBody", "1101051949123100AX", govid.ErrCharset},
		{"CheckCharY", "11010519491231002Y", govid.ErrCharset},
		{"FullWidthDigit", "１101051949123100", govid.ErrCharset},
		{"NoSuchProvince", withCheck("00010519491231002"), govid.ErrFormat},
		{"February30", withCheck("11010519900230002"), govid.ErrBirthDate},
		{"February29NonLeap", withCheck("11010519000229002"), govid.ErrBirthDate},
		{"Month13", withCheck("11010519901301002"), govid.ErrBirthDate},
		{"Day00", withCheck("11010519900100002"), govid.ErrBirthDate},
		// Often quoted as a valid number: its checksum is right, but 1880 is before the 1900 floor.
		{"Before1900", "440524188001010014", govid.ErrBirthDate},
		{"FutureBirthDate", withCheck("110105" + future + "002"), govid.ErrBirthDate},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := govid.ParseIDNumber(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseIDNumber(%q) = %v, want cause %v", tt.in, err, tt.want)
			}
			assertClientMessage(t, err, "resident identity number", "身份证号码", "id_number_")
			var e *errs.Error
			errors.As(err, &e)
			if len(tt.in) >= 14 && (strings.Contains(e.Message, tt.in[6:14]) || strings.Contains(e.Zh, tt.in[6:14])) {
				t.Errorf("message %q / %q repeats part of the number", e.Message, e.Zh)
			}
		})
	}
}

func TestIDCheckChar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want byte
	}{
		{"11010519491231002", 'X'},
		{"44052418800101001", '4'},
		{"50022719900101123", '9'},
	}
	for _, tt := range tests {
		if got, err := govid.IDCheckChar(tt.in); err != nil || got != tt.want {
			t.Errorf("IDCheckChar(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "1101051949123100", "110105194912310021", "1101051949123100X"} {
		if _, err := govid.IDCheckChar(bad); err == nil {
			t.Errorf("IDCheckChar(%q) succeeded, want an error", bad)
		}
	}
}

func TestNormalizeIDNumber(t *testing.T) {
	t.Parallel()
	if got, err := govid.NormalizeIDNumber("11010519491231002x"); err != nil || got != "11010519491231002X" {
		t.Errorf("NormalizeIDNumber(lower-case x) = %q, %v", got, err)
	}
	if got, err := govid.NormalizeIDNumber("500227199001011239"); err != nil || got != "500227199001011239" {
		t.Errorf("NormalizeIDNumber(digits) = %q, %v", got, err)
	}
	if _, err := govid.NormalizeIDNumber("500227199001011238"); !errors.Is(err, govid.ErrChecksum) {
		t.Errorf("NormalizeIDNumber(bad checksum) error = %v", err)
	}
}

func TestMaskIDNumber(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"500227199001011234", "500227********1234"},
		{"11010519491231002X", "110105********002X"},
		{"11010519491231002x", "110105********002X"},
		{"", ""},
		{"11010519491231002", "******************"},
		{"11010519491231002XX", "******************"},
		{"110105491231002", "******************"},
		{"1101051949123100AX", "******************"},
		{"中华人民共和国", "******************"},
	}
	for _, tt := range tests {
		if got := govid.MaskIDNumber(tt.in); got != tt.want {
			t.Errorf("MaskIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRegisterValidators(t *testing.T) {
	t.Parallel()
	v := validator.New(validator.WithRequiredStructEnabled())
	if err := govid.RegisterValidators(v); err != nil {
		t.Fatal(err)
	}
	type enterprise struct {
		USCC  string  `validate:"uscc"`
		Owner *string `validate:"omitempty,cn_id_number"`
	}
	owner := "11010519491231002x"
	badOwner := "110105199002300021"
	tests := []struct {
		name    string
		in      enterprise
		wantTag string // "" when valid
	}{
		{"Valid", enterprise{USCC: "91350100M000100Y43", Owner: &owner}, ""},
		{"ValidWithoutOwner", enterprise{USCC: "914403001922038216"}, ""},
		{"BadUSCC", enterprise{USCC: "91350100M000100Y44"}, "uscc"},
		{"EmptyUSCC", enterprise{}, "uscc"},
		{"BadIDNumber", enterprise{USCC: "91350100M000100Y43", Owner: &badOwner}, "cn_id_number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := v.Struct(tt.in)
			if tt.wantTag == "" {
				if err != nil {
					t.Fatalf("Struct() = %v, want nil", err)
				}
				return
			}
			var verrs validator.ValidationErrors
			if !errors.As(err, &verrs) || len(verrs) != 1 || verrs[0].Tag() != tt.wantTag {
				t.Fatalf("Struct() = %v, want one %q failure", err, tt.wantTag)
			}
		})
	}

	t.Run("NonStringFieldFails", func(t *testing.T) {
		t.Parallel()
		if err := v.Var(91350100, "uscc"); err == nil {
			t.Error("uscc accepted an int")
		}
		if err := v.Var(11010519491231002, "cn_id_number"); err == nil {
			t.Error("cn_id_number accepted an int")
		}
	})
}

func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "440524188001010014",
		"500227199001011239", "110105199002300021", "", "110105491231002", "9" + strings.Repeat("0", 17)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := govid.ParseIDNumber(s)
		mask := govid.MaskIDNumber(s)
		if s != "" && len(mask) != 18 {
			t.Fatalf("MaskIDNumber(%q) = %q, want 18 characters", s, mask)
		}
		if err != nil {
			if errs.KindOf(err) != errs.Invalid {
				t.Fatalf("ParseIDNumber(%q) error %v is not of kind Invalid", s, err)
			}
			return
		}
		want, cerr := govid.IDCheckChar(s[:17])
		if cerr != nil || strings.ToUpper(s[17:]) != string(want) {
			t.Fatalf("accepted %q but its check character should be %q (%v)", s, want, cerr)
		}
		if id.Region != s[:6] || id.BirthDate.Format("20060102") != s[6:14] {
			t.Fatalf("ParseIDNumber(%q) = %+v does not match the digits", s, id)
		}
		if id.Gender != "male" && id.Gender != "female" {
			t.Fatalf("ParseIDNumber(%q) gender %q", s, id.Gender)
		}
		if mask != s[:6]+"********"+strings.ToUpper(s[14:]) {
			t.Fatalf("MaskIDNumber(%q) = %q", s, mask)
		}
		if n, err := govid.NormalizeIDNumber(s); err != nil || n != strings.ToUpper(s) {
			t.Fatalf("NormalizeIDNumber(%q) = %q, %v", s, n, err)
		}
	})
}

// withCheck completes a 17-digit body with its check character, so a test about another rule is
// not rejected for its checksum first.
func withCheck(body string) string {
	c, err := govid.IDCheckChar(body)
	if err != nil {
		panic(err)
	}
	return body + string(c)
}

// assertClientMessage checks that a rejection maps to 422, names the identifier in question in
// English and in Chinese, and carries a code of the identifier's family.
func assertClientMessage(t *testing.T, err error, name, zhName, codePrefix string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		t.Fatalf("error %v is not an *errs.Error of kind Invalid", err)
	}
	if !strings.Contains(e.Message, name) {
		t.Errorf("message %q does not name the %s", e.Message, name)
	}
	if !strings.HasPrefix(e.Zh, zhName) {
		t.Errorf("Chinese message %q does not name the %s", e.Zh, zhName)
	}
	if !strings.HasPrefix(e.Code, codePrefix) {
		t.Errorf("code %q, want one starting %q", e.Code, codePrefix)
	}
}
