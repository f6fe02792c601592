package fakeweb

// FollowUps are later reports of the two incidents of Reports (our own
// text): two of the vacuum incident (English, Chinese), one of the metro
// incident (Chinese), for a crawl cycle after a review.
var FollowUps = []Report{
	{Path: "/articles/tech/6103.htm", Lang: "en", Title: "CleanBot maker Qingfeng Technology faces privacy probe over robot vacuum photos", Incident: "vacuum", Paragraphs: []string{
		"Regulators have opened an investigation into Qingfeng Technology after researchers found its CleanBot robot vacuums uploaded photos from customers' homes to its cloud servers.",
		"The CleanBot cameras took a picture every 10 minutes to train the AI obstacle-avoidance algorithm, and the uploads were not encrypted, the researchers said.",
		"Qingfeng Technology said a firmware update had switched the feature off. Lawyers said the company may have broken data protection rules on privacy.",
	}},
	{Path: "/articles/tech/6104.htm", Lang: "zh", Title: "清风科技CleanBot扫地机器人上传照片事件 监管部门介入调查", Incident: "vacuum", Paragraphs: []string{
		"监管部门已就清风科技CleanBot扫地机器人偷偷上传用户家中照片一事展开调查。安全研究人员此前发现摄像头每隔10分钟拍摄一张图片。",
		"这些图片被用于训练避障人工智能算法，上传过程没有加密。清风科技称已在新版固件中关闭该功能。",
		"律师表示，此举涉嫌侵犯用户隐私，违反个人信息保护的相关规定。",
	}},
	{Path: "/articles/tech/6203.htm", Lang: "zh", Title: "深圳地铁人脸识别闸机误扣费事件 FaceGate公司道歉", Incident: "metro", Paragraphs: []string{
		"为深圳地铁提供人脸识别闸机的FaceGate公司就误识别乘客一事道歉，该系统在12个车站试运行期间错误扣费至少1200名乘客。",
		"多名乘客反映，系统对戴眼镜和戴口罩的人识别错误率明显偏高。深圳地铁已暂停该系统并全额退款。",
		"专家指出，公共场所使用人脸识别技术必须经过充分测试，并保护乘客的个人隐私。",
	}},
}
