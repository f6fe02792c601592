package cluster

import (
	"slices"
	"testing"

	"github.com/newsmon/newsmon"
)

// The seed case of the design: five reports of the Xiaomi incognito-mode
// incident (two on a cnBeta-like site, one on a Sina-like site, two in
// English), a second AI incident reported in both languages, and unrelated
// news. Our own text.
var (
	xiaomiZH2 = art("x-zh2", "zh", "cnbeta", "小米回应浏览器无痕模式收集数据质疑：已匿名处理",
		"针对安全研究员关于小米浏览器在无痕模式下收集用户浏览记录的报告，小米公司今天回应称，相关数据已经匿名处理，并将推出更新让用户关闭数据上传。", 20)
	xiaomiSina = art("x-sina", "zh", "sina", "研究人员称小米手机无痕浏览仍上传用户数据 小米股价下跌",
		"有安全研究人员发现，小米手机自带浏览器在无痕模式下仍会把用户访问的网站发送到远程服务器。受此消息影响，小米集团股价盘中下跌。", 26)
	faceZH = art("m-zh", "zh", "sina", "深圳地铁人脸识别闸机误认乘客 多人被错误扣费",
		"深圳地铁本周试运行的人脸识别闸机系统出现大面积误识别，至少1200名乘客被错误扣费，专家指出人脸识别技术必须保护乘客隐私。", 10)
	faceEN = art("m-en", "en", "wirenews", "Shenzhen metro facial recognition gates misidentify passengers, overcharging 1,200",
		"Facial recognition gates on trial in the Shenzhen metro misidentified passengers this week, wrongly charging at least 1200 riders. Experts said the technology must protect passengers' privacy.", 12)
)

// TestSeedCaseEveryOrder adds the seed case one article per batch (the
// hardest case: no batch to sort) in every one of the 720 orders of the
// five Xiaomi reports and the second incident's Chinese report, after the
// rest, and wants the same two incidents, each whole and holding nothing
// else, every time.
func TestSeedCaseEveryOrder(t *testing.T) {
	xiaomi := []newsmon.Article{xiaomiEN, xiaomiEN2, xiaomiZH, xiaomiZH2, xiaomiSina}
	perm := append(slices.Clone(xiaomi), faceZH)
	before := []newsmon.Article{football, faceEN, budget, quakeZH}
	want := [][]string{ids(xiaomi), ids([]newsmon.Article{faceEN, faceZH})}
	n := 0
	permute(perm, 0, func(order []newsmon.Article) {
		n++
		s := newMemStore()
		c := s.open(Options{})
		for _, a := range append(slices.Clone(before), order...) {
			if _, err := c.AddBatch([]newsmon.Article{a}); err != nil {
				t.Fatal(err)
			}
			s.sync(c)
		}
		byInc := map[string][]string{}
		for _, sn := range s.incidents {
			byInc[sn.Incident.ID] = slices.Sorted(slices.Values(sn.Incident.ArticleIDs))
		}
		for _, w := range want {
			found := false
			for _, got := range byInc {
				if slices.Equal(got, w) {
					found = true
				}
			}
			if !found {
				t.Fatalf("order %v: no incident holds exactly %v; incidents %v", ids(order), w, byInc)
			}
		}
	})
	if n != 720 {
		t.Fatalf("%d orders, want 720", n)
	}
}

func ids(arts []newsmon.Article) []string {
	out := make([]string, len(arts))
	for i, a := range arts {
		out[i] = a.ID
	}
	slices.Sort(out)
	return out
}

// permute calls fn with every order of a[k:] after a[:k] (Heap-free
// recursion by swaps; a is restored).
func permute(a []newsmon.Article, k int, fn func([]newsmon.Article)) {
	if k == len(a) {
		fn(a)
		return
	}
	for i := k; i < len(a); i++ {
		a[k], a[i] = a[i], a[k]
		permute(a, k+1, fn)
		a[k], a[i] = a[i], a[k]
	}
}
