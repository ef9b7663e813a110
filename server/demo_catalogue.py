"""What the demo service centre services and who it serves: appliances, parts, names, addresses."""

from __future__ import annotations

from typing import Any

CATALOGUE: dict[str, dict[str, Any]] = {
    "washing_machine": {
        "brands": ["海尔", "小天鹅", "美的"],
        "models": ["EG100HB129S", "TG100V89WMUIADY5", "MG100V58WT"],
        "symptoms": [
            "脱水时噪音大，机身晃动",
            "不进水，显示E1故障码",
            "排水慢，显示E21",
            "门锁打不开，衣服取不出",
        ],
        "jobs": {
            "drain_pump": ("更换排水泵", 8000),
            "door_lock": ("更换门锁", 6000),
            "bearing": ("更换轴承", 15000),
        },
        "parts": [
            ("WM-PUMP", "Drain pump", "排水泵", 7000, False),
            ("WM-LOCK", "Door lock", "门锁", 4500, False),
            ("WM-BEARING", "Drum bearing", "滚筒轴承", 9000, False),
            ("WM-MOTOR", "Drive motor", "电机", 42000, True),
        ],
        "warranty": (12, 36),
    },
    "air_conditioner": {
        "brands": ["格力", "美的", "海尔"],
        "models": ["KFR-35GW/NhGc1B", "KFR-26GW/N8MJA1", "KFR-72LW/NhIb1BG"],
        "symptoms": ["不制冷，外机不启动", "室内机漏水", "显示E6通讯故障", "制热效果差"],
        "jobs": {
            "refrigerant": ("加注冷媒", 15000),
            "capacitor": ("更换启动电容", 8000),
            "pcb": ("更换主板", 10000),
        },
        "parts": [
            ("AC-GAS", "Refrigerant R32", "冷媒R32", 12000, False),
            ("AC-CAP", "Start capacitor", "启动电容", 3500, False),
            ("AC-PCB", "Control board", "主控板", 38000, False),
            ("AC-COMP", "Compressor", "压缩机", 120000, True),
        ],
        "warranty": (12, 72),
    },
    "refrigerator": {
        "brands": ["海尔", "美的", "容声"],
        "models": ["BCD-470WDPG", "BCD-406WTPZM", "BCD-529WD11HP"],
        "symptoms": ["冷藏室不制冷", "冷冻室结霜严重", "压缩机不停机", "夜里有异响"],
        "jobs": {
            "thermostat": ("更换温控器", 6000),
            "defrost": ("更换化霜加热丝", 8000),
            "fan": ("更换风扇电机", 7000),
        },
        "parts": [
            ("RF-THERMO", "Thermostat", "温控器", 4000, False),
            ("RF-HEATER", "Defrost heater", "化霜加热丝", 5500, False),
            ("RF-FAN", "Fan motor", "风扇电机", 6500, False),
            ("RF-COMP", "Compressor", "压缩机", 90000, True),
        ],
        "warranty": (12, 36),
    },
    "water_heater": {
        "brands": ["美的", "A.O.史密斯", "海尔"],
        "models": ["F6021-X1(S)", "E60VN1-C", "EC6002-MC5"],
        "symptoms": ["不加热", "底部漏水", "漏电保护频繁跳闸", "出水温度忽高忽低"],
        "jobs": {"element": ("更换加热管", 8000), "anode": ("更换镁棒", 5000), "valve": ("更换安全阀", 5000)},
        "parts": [
            ("WH-ELEM", "Heating element", "加热管", 9000, False),
            ("WH-ANODE", "Magnesium anode", "镁棒", 4500, False),
            ("WH-VALVE", "Safety valve", "安全阀", 3500, False),
            ("WH-TANK", "Inner tank", "内胆", 80000, True),
        ],
        "warranty": (12, 36),
    },
    "office_printer": {
        "brands": ["惠普", "佳能", "兄弟", "理光"],
        "models": ["LaserJet Pro M404dn", "iR 2625", "HL-L2375DW", "MP 2014AD"],
        "symptoms": ["频繁卡纸", "打印件有黑色竖线", "定影不良，字迹一擦就掉", "无法联网打印"],
        "jobs": {
            "fuser": ("更换定影组件", 12000),
            "roller": ("更换搓纸轮", 6000),
            "drum": ("更换硒鼓", 5000),
        },
        "parts": [
            ("PR-FUSER", "Fuser unit", "定影组件", 45000, False),
            ("PR-ROLLER", "Pickup roller", "搓纸轮", 3000, False),
            ("PR-DRUM", "Drum unit", "硒鼓", 38000, False),
            ("PR-BOARD", "Formatter board", "主板", 60000, True),
        ],
        "warranty": (12, 12),
    },
    "air_compressor": {
        "brands": ["宝华 BAUER", "科尔奇 Coltri", "捷豹"],
        "models": ["JUNIOR II", "MCH-6 EM", "JB-E300"],
        "symptoms": [
            "压力上不去，充瓶很慢",
            "排气温度过高自动停机",
            "安全阀频繁泄压",
            "呼吸空气过滤芯到期需更换",
        ],
        "jobs": {
            "filter": ("更换呼吸空气过滤芯", 20000),
            "valve": ("更换级间阀", 30000),
            "rings": ("更换活塞环", 40000),
        },
        "parts": [
            ("CP-FILTER", "Breathing-air filter cartridge", "呼吸空气过滤芯", 35000, False),
            ("CP-VALVE", "Interstage valve", "级间阀", 28000, False),
            ("CP-RING", "Piston ring set", "活塞环", 22000, False),
            ("CP-BLOCK", "Compressor block", "压缩机头", 300000, True),
        ],
        "warranty": (12, 24),
    },
}
CHEAPER = {"WM-PUMP": 6200, "AC-CAP": 2800, "RF-THERMO": 3500, ("air_conditioner", "pcb"): 8000}
PEOPLE_NAMES = (
    "张伟 王芳 李娜 刘洋 陈静 杨帆 赵磊 黄敏 周杰 吴婷 徐明 孙丽 胡军 朱红 高峰 林晓 "
    "何平 郭强 马超 罗琳 梁宇 宋佳 郑浩 谢芳 韩雪 唐亮 冯军 于洋 董洁 萧然 程刚 曹颖 "
    "袁媛 邓超 许晴 傅强 沈玉 曾伟 彭敏 吕斌"
).split()
BUSINESSES = {
    "office_printer": [
        "青岛海景建筑设计研究院有限公司",
        "青岛启明会计师事务所",
        "山东汇通律师事务所青岛分所",
        "李沧区社区服务中心",
    ],
    "air_compressor": ["黄岛区消防救援大队长江路站", "蓝海潜水俱乐部", "青岛港应急救援中心"],
}
# The service centre serves one city, Qingdao, in six districts: each with its centre's
# coordinates (WGS-84), how far addresses spread around it (degrees, about 1.5 km), and streets
# that lie in it. The coordinates are plausible, not geocoded: a demo, not a survey.
CITY = "青岛市"
DISTRICTS: dict[str, dict[str, Any]] = {
    "市南区": {
        "at": (36.0660, 120.3830),
        "spread": 0.012,
        "streets": ["香港中路", "南京路", "燕儿岛路", "闽江路"],
    },
    "市北区": {
        "at": (36.0870, 120.3750),
        "spread": 0.012,
        "streets": ["辽宁路", "延吉路", "台东一路", "敦化路"],
    },
    "李沧区": {
        "at": (36.1450, 120.4330),
        "spread": 0.014,
        "streets": ["京口路", "九水东路", "书院路", "巨峰路"],
    },
    "崂山区": {
        "at": (36.1070, 120.4690),
        "spread": 0.014,
        "streets": ["海尔路", "松岭路", "深圳路", "同安路"],
    },
    "黄岛区": {
        "at": (35.9600, 120.1980),
        "spread": 0.018,
        "streets": ["长江中路", "井冈山路", "峨眉山路", "江山中路"],
    },
    "城阳区": {
        "at": (36.3070, 120.3960),
        "spread": 0.016,
        "streets": ["正阳路", "春阳路", "长城路", "文阳路"],
    },
}
ADDRESS_FORMS = ["{street}{n}号{b}号楼{r}户", "{street}{n}号{b}栋{r}室", "{street}{n}号院{b}号楼{r}"]
# The engineers: login, name, badge, receipt prefix, home district, skills, visits a day.
ALL_HOUSEHOLD = ["washing_machine", "air_conditioner", "refrigerator", "water_heater"]
ENGINEERS = [
    ("liu", "刘建国", "QD-0231", "LJG", "市南区", ALL_HOUSEHOLD, 7),
    ("chen", "陈志强", "QD-0457", "CZQ", "崂山区", [*ALL_HOUSEHOLD, "office_printer"], 7),
    ("zhao", "赵海涛", "QD-0612", "ZHT", "黄岛区", [*ALL_HOUSEHOLD, "air_compressor"], 6),
    ("sun", "孙立伟", "QD-0718", "SLW", "市北区", ["washing_machine", "refrigerator", "water_heater"], 8),
    ("zhou", "周晓东", "QD-0803", "ZXD", "李沧区", ["air_conditioner", "water_heater", "washing_machine"], 7),
    ("wu", "吴斌", "QD-0925", "WUB", "城阳区", ["air_compressor", "air_conditioner", "refrigerator"], 6),
    ("zheng", "郑凯", "QD-1012", "ZHK", "市北区", ["office_printer", "air_conditioner"], 6),
    ("ma", "马国栋", "QD-1136", "MGD", "黄岛区", ["washing_machine", "refrigerator", "office_printer"], 7),
]
MOBILE_PREFIXES = ["138", "139", "137", "135", "186", "187", "150", "151", "159", "177", "189"]
