package fakeweb

// Report is one of our own made-up news reports: two incidents, each
// reported in Chinese and in English, and unrelated news. Tests of the
// clustering and of its export share them.
type Report struct {
	Path, Lang, Title string
	Incident          string // "" for unrelated news
	Paragraphs        []string
}

var Reports = []Report{
	{"/articles/tech/6101.htm", "zh", "清风科技CleanBot扫地机器人被曝偷偷上传用户家中照片", "vacuum", []string{
		"安全研究人员近日发现，清风科技旗下CleanBot品牌的扫地机器人会在用户不知情的情况下拍摄家中照片，并上传到公司的云端服务器。",
		"研究人员拆解了3款CleanBot机型，发现摄像头每隔10分钟拍摄一张图片，用于训练其避障人工智能算法，上传过程没有加密。",
		"清风科技回应称，图片仅用于改进算法，已在新版固件中关闭该功能。律师认为此举涉嫌侵犯用户隐私，违反个人信息保护的相关规定。",
	}},
	{"/articles/tech/6102.htm", "en", "CleanBot robot vacuums secretly uploaded photos from users' homes, researchers find", "vacuum", []string{
		"Security researchers have found that CleanBot robot vacuums, made by Qingfeng Technology, photographed the inside of customers' homes and uploaded the images to the company's cloud servers without telling them.",
		"The researchers took apart 3 CleanBot models and found the camera took a picture every 10 minutes to train the AI obstacle-avoidance algorithm. The uploads were not encrypted.",
		"Qingfeng Technology said the images were only used to improve the algorithm and that a firmware update has switched the feature off. Lawyers said the practice may be a privacy violation under data protection rules.",
	}},
	{"/articles/tech/6201.htm", "zh", "深圳地铁人脸识别闸机误认乘客 多人被错误扣费", "metro", []string{
		"深圳地铁本周试运行的人脸识别闸机系统出现大面积误识别，至少1200名乘客被错误扣费，其中一些乘客被系统认定为逃票人员。",
		"据了解，该系统由一家名为FaceGate的公司提供，在12个车站部署。多名乘客反映，系统对戴眼镜和戴口罩的人识别错误率明显偏高，涉嫌歧视。",
		"深圳地铁表示已暂停该系统并将全额退款。专家指出，公共场所使用人脸识别技术必须经过充分测试，并保护乘客的个人隐私。",
	}},
	{"/articles/tech/6202.htm", "en", "Shenzhen metro facial recognition gates misidentify passengers, overcharging 1,200", "metro", []string{
		"Facial recognition gates on trial in the Shenzhen metro misidentified passengers this week, wrongly charging at least 1200 riders and flagging some of them as fare dodgers.",
		"The system, supplied by a company called FaceGate, was installed at 12 stations. Riders said it failed far more often for people wearing glasses or masks, raising concerns of discrimination.",
		"Shenzhen metro said it had suspended the system and would refund every passenger in full. Experts said facial recognition in public places needs thorough testing and must protect passengers' privacy.",
	}},
	{"/articles/sports/6301.htm", "zh", "市业余足球联赛决赛落幕 东区队点球大战夺冠", "", []string{
		"本市业余足球联赛决赛昨晚在体育中心举行，东区队与西区队九十分钟内战成二比二平。",
		"在随后的点球大战中，东区队门将连续扑出两球，帮助球队以四比三获胜，首次捧起冠军奖杯。",
	}},
	{"/articles/life/6302.htm", "en", "Spring flower show opens with record number of tulip varieties", "", []string{
		"The annual spring flower show opened on Saturday in the botanical garden, with more tulip varieties on display than ever before.",
		"Gardeners spent the winter preparing the beds, and the organisers expect large crowds over the coming weekends if the weather stays mild.",
	}},
}
