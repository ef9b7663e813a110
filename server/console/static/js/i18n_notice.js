// The words of each assignment's notice on the board and of the engineers' phone channels.
export const en = {
  "notice.sent": "Sent by {channels}", "notice.not_sent": "Not sent yet",
  "notice.delivered": "On the phone {time}", "notice.not_delivered": "Not on the phone yet",
  "notice.seen": "Seen {time}", "notice.accepted": "Accepted", "notice.handed_back": "Handed back",
  "notice.alert": "Call the engineer", "notice.alert_long": "Not acknowledged in time: call the engineer",
  "notice.delivered_short": "on phone", "notice.not_delivered_short": "not on phone", "notice.seen_short": "seen",
  "phones.phone": "Phone {n}", "notice.sms_queued": "SMS on its way",
  "channel.live": "app open", "channel.push": "Web Push", "channel.sms": "SMS",
  "phones.none": "No phone registered", "phones.sms": "SMS to their number",
  "phones.offline": "{name}: closed",
};
export const zh = {
  "notice.sent": "已通过{channels}发送", "notice.not_sent": "尚未发送",
  "notice.delivered": "{time} 已到手机", "notice.not_delivered": "尚未到手机",
  "notice.seen": "{time} 已查看", "notice.accepted": "已接单", "notice.handed_back": "已退回",
  "notice.alert": "请致电工程师", "notice.alert_long": "未按时确认：请致电工程师",
  "notice.delivered_short": "已到手机", "notice.not_delivered_short": "未到手机", "notice.seen_short": "已查看",
  "phones.phone": "手机{n}", "notice.sms_queued": "短信发送中",
  "channel.live": "应用在线", "channel.push": "网页推送", "channel.sms": "短信",
  "phones.none": "未登记手机", "phones.sms": "可发短信",
  "phones.offline": "{name}：未打开",
};
