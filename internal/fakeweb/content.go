package fakeweb

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func at(day, hour, min int) time.Time { return time.Date(2026, 5, day, hour, min, 0, 0, CST) }

// populate adds the built-in pages. All text is invented for these tests.
func (w *Web) populate(t testing.TB) {
	n, f := w.News, w.Finance
	n.SetPage("/robots.txt", Page{ContentType: "text/plain", Body: []byte(
		"User-agent: *\nDisallow: /articles/private/\nCrawl-delay: 0.1\n\nUser-agent: BadBot\nDisallow: /\n")})
	f.SetPage("/robots.txt", Page{ContentType: "text/plain", Body: []byte(
		"# fake finance\nUser-agent: *\nDisallow: /internal/\nAllow: /\n")})

	n.AddArticle(t, ArticleSpec{
		Path: "/articles/tech/1001.htm", Published: at(1, 10, 23),
		Title: "某手机厂商浏览器被曝无痕模式仍上传浏览记录",
		Paragraphs: []string{
			"一名独立安全研究员本周发布报告称，某国产手机自带的浏览器在无痕模式下仍会把访问过的网址发送到远程服务器。",
			"研究员表示，这些数据只经过简单编码，很容易被还原成完整的网址列表。厂商随后回应称相关功能用于统计分析，并承诺推出更新。",
		},
	})
	w.GBKMetaOnly = n.AddArticle(t, ArticleSpec{
		Path: "/articles/tech/1002.htm", Published: at(1, 14, 5), Charset: "gbk", MetaOnly: true,
		Title: "国产智能音箱被发现默认开启录音回传",
		Paragraphs: []string{
			"一家测评机构在实验室中发现，多款智能音箱在没有被唤醒时也会短暂录音并上传到云端。",
			"机构建议用户在设置中关闭语音改进计划，并定期删除历史录音。",
		},
	}).URL
	multi := n.AddArticle(t, ArticleSpec{
		Path: "/articles/tech/1003.htm", Published: at(2, 9, 30),
		Title: "自动驾驶测试车在雨夜误判路障引发讨论",
		Paragraphs: []string{
			"一段网友拍摄的视频显示，一辆自动驾驶测试车在雨夜把施工围挡误判为可通行区域，随后紧急制动。",
			"公司表示车上的安全员及时接管，没有人员受伤，算法团队正在分析传感器记录。",
		},
	})
	w.RedirectTo = multi.URL
	w.Tracking = multi.URL + "?utm_source=rss&utm_medium=feed"
	w.Redirect = n.URL + "/go/1003"
	n.SetPage("/go/1003", Page{Redirect: "/articles/tech/1003.htm"})
	w.mu.Lock()
	for _, a := range w.articles {
		if a.URL == multi.URL {
			a.URLs = append(a.URLs, w.Tracking, w.Redirect)
		}
	}
	w.mu.Unlock()

	retry := n.AddArticle(t, ArticleSpec{
		Path: "/articles/tech/1004.htm", Published: at(2, 11, 0),
		Title: "开源大模型社区发布新的安全评测基准",
		Paragraphs: []string{
			"多个开源社区联合发布了一套评测基准，用来衡量大模型在拒绝有害请求方面的表现。",
			"发起者说，基准的题目会定期更新，以免模型只是记住了答案。",
		},
	})
	w.RetryAfter = retry.URL
	n.web.mu.Lock()
	n.pages["/articles/tech/1004.htm"].FailFirst = 1
	n.pages["/articles/tech/1004.htm"].RetryAfter = 1
	n.web.mu.Unlock()

	w.Oversized = n.AddArticle(t, ArticleSpec{
		Path: "/articles/tech/1005.htm", Published: at(2, 15, 0), Padding: OversizedBytes,
		Title:      "一篇过大的页面",
		Paragraphs: []string{"这个页面故意塞满了填充内容，用来测试抓取器的大小限制。"},
	}).URL
	w.Disallowed = n.AddArticle(t, ArticleSpec{
		Path: "/articles/private/1006.htm", Published: at(2, 16, 0),
		Title:      "不应被抓取的内部页面",
		Paragraphs: []string{"这个页面位于机器人协议禁止的路径下。"},
	}).URL
	w.Big5 = n.AddArticle(t, ArticleSpec{
		Path: "/articles/tech/1007.htm", Published: at(3, 8, 15), Charset: "big5",
		Title: "研究團隊揭露人臉辨識系統的偏差問題",
		Paragraphs: []string{
			"一個大學研究團隊測試了多套人臉辨識系統，發現它們在光線不足時對部分族群的錯誤率明顯偏高。",
			"團隊呼籲業者公開測試資料，並在部署前接受獨立審查。",
		},
	}).URL
	n.AddArticle(t, ArticleSpec{
		Path: "/articles/tech/1008.htm", Published: at(3, 16, 40),
		Title: "推荐算法被指放大虚假信息传播",
		Paragraphs: []string{
			"一份新的调查报告认为，某短视频平台的推荐算法会优先推送情绪化内容，让虚假信息传播得更快。",
			"平台回应称已经上线新的核查机制，并欢迎外部研究者参与评估。",
		},
	})

	f.AddArticle(t, ArticleSpec{
		Path: "/stock/2026-05-01/doc-ifaa1001.shtml", Published: at(1, 9, 45),
		Title: "科技股早盘走高 人工智能板块领涨",
		Paragraphs: []string{
			"周五早盘，科技股整体走高，人工智能相关个股涨幅居前，多只股票盘中创出新高。",
			"分析人士认为，近期密集发布的行业政策提振了市场情绪，但也提醒投资者注意估值风险。",
		},
	})
	f.AddArticle(t, ArticleSpec{
		Path: "/money/2026-05-02/doc-ifaa1002.shtml", Published: at(2, 10, 10),
		Title: "多家银行升级手机银行隐私保护措施",
		Paragraphs: []string{
			"多家商业银行近日宣布升级手机银行应用，减少对通讯录和位置信息的读取。",
			"业内人士表示，这与监管部门加强个人信息保护检查有关。",
		},
	})
	f.AddArticle(t, ArticleSpec{
		Path: "/roll/2026-05-02/doc-ifaa1003.shtml", Published: at(2, 20, 30), Charset: "gbk", OldSina: true,
		Title: "数据泄露事件后某电商平台股价下跌",
		Paragraphs: []string{
			"某电商平台确认部分用户的收货地址遭到泄露，消息公布后公司股价一度下跌百分之六。",
			"公司表示已经通知受影响的用户，并聘请第三方机构调查事件原因。",
		},
	})
	f.AddArticle(t, ArticleSpec{
		Path: "/tech/2026-05-03/doc-ifaa1004.shtml", Published: at(3, 13, 5),
		Title: "芯片企业发布年度财报 研发投入创新高",
		Paragraphs: []string{
			"一家芯片设计企业发布年度财报，全年研发投入同比增长三成，创下历史新高。",
			"公司管理层表示，将继续加大在数据中心和汽车芯片方向的投入。",
		},
	})
	f.SetPage("/internal/admin.htm", Page{Status: http.StatusForbidden, Body: []byte("no")})
}

// fillerRunes are the characters Filler draws from.
var fillerRunes = []rune("天地人和日月山水风云春夏秋冬东南西北城市乡村工厂学校医院银行公司市场政府法院科技网络手机电脑数据安全隐私算法系统平台用户记者报道发布消息表示认为")

// Filler returns runes characters of deterministic made-up Chinese text, in
// sentences of 24 characters with a comma in the middle, different for every
// (seed, n): distinct articles built from it are never taken for
// near-duplicates of each other. Use seed for the article and n for the
// paragraph.
func Filler(seed, n, runes int) string {
	// splitmix64 over a state that packs (seed, n): no two pairs share one.
	x := uint64(uint32(seed))<<32 | uint64(uint32(n))
	var b strings.Builder
	for i := 1; i <= runes; i++ {
		x += 0x9e3779b97f4a7c15
		z := (x ^ x>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		z ^= z >> 31
		b.WriteRune(fillerRunes[z%uint64(len(fillerRunes))])
		switch {
		case i%24 == 0 || i == runes:
			b.WriteString("。")
		case i%12 == 0:
			b.WriteString("，")
		}
	}
	return b.String()
}
