"""What each demo park writes about itself in its application: its place, industries, energy,
emissions, targets and the economics of its plan, in words that agree with its demo energy data
(accounting/demo.py)."""

from __future__ import annotations

DEMO_TEXTS: dict[str, dict[str, dict[str, str]]] = {  # park key → section → field → text
    "subei": {
        "basic": {
            "location": "位于苏北沿海，临近500千伏变电站和海上风电登陆点，铁路专用线直达园区。",
            "layout": "“一核两区”布局：光伏材料制造核心区、绿色食品加工区、能源与物流配套区。",
            "economy": "2024年规上工业总产值约380亿元，光伏材料产业产值占比62%。",
        },
        "industry": {
            "leading_industries": "光伏材料（单晶硅片）、绿色食品加工",
            "key_enterprises": "规上企业64家，单晶硅片龙头企业3家，均已开展能效诊断。",
            "key_projects_investment": "在建和规划重点项目18个，总投资约142亿元。",
        },
        "energy": {
            "supply": (
                "以海上风电绿电直供和绿电交易为主，电网购电约占5%；园区屋顶光伏年发电约12万兆瓦时。"
            ),
            "consumption": (
                "电力为主要能源；柴油用于园区公交，天然气用于食品企业蒸汽锅炉，热力来自生物质热源。"
            ),
            "emissions": "按附件4核算，近三年随绿电直供比例提高逐年下降，电力间接排放占比最高。",
        },
        "feasibility": {
            "attainability": (
                "海上风电和屋顶光伏支撑高比例绿电；主要挑战是食品企业蒸汽锅炉用天然气的清洁替代。"
            ),
        },
        "targets": {
            "targets": "2028年单位能耗碳排放降至0.15 tCO2/tce以下，清洁能源消费占比不低于95%。",
        },
        "economics": {
            "total_cost": "186000",
            "annual_return": "24500",
            "payback_years": "7.6",
            "irr_percent": "8.9",
        },
    },
    "changzhou": {
        "basic": {
            "location": "位于常州市武进区，紧邻长江岸线和沪宁高速，周边新能源装备配套企业密集。",
            "layout": "“一园三片”布局：风电装备片区、光伏组件片区、储能电池片区。",
            "economy": "2024年规上工业总产值约260亿元，新能源装备产业集聚度75%。",
        },
        "industry": {
            "leading_industries": "风电整机、光伏组件、储能电池系统",
            "key_enterprises": "规上企业52家，龙头企业6家，主要企业均已完成产品碳足迹核算。",
            "key_projects_investment": "在建和规划重点项目15个，总投资约96亿元。",
        },
        "energy": {
            "supply": (
                "分散式风电直供、绿电交易和屋顶光伏为主，"
                "电网购电约占2%；屋顶光伏年发电约9.5万兆瓦时。"
            ),
            "consumption": (
                "电力为主；天然气用于涂装烘干，柴油用于园区物流，部分热力来自生物质锅炉。"
            ),
            "emissions": (
                "按附件4核算，近三年随绿电交易比例提高逐年下降；"
                "外购化石热力和天然气是主要剩余排放源。"
            ),
        },
        "feasibility": {
            "attainability": (
                "绿电交易和分散式风电供应稳定；主要挑战是涂装烘干用天然气和外购化石热力的替代。"
            ),
        },
        "targets": {
            "targets": "2028年单位能耗碳排放降至0.15 tCO2/tce以下，绿电消费占比不低于95%。",
        },
        "economics": {
            "total_cost": "98000",
            "annual_return": "13600",
            "payback_years": "7.2",
            "irr_percent": "9.3",
        },
    },
    "suzhou": {
        "basic": {
            "location": (
                "位于苏州工业园区东部（园中园），依托园区燃气热电联产集中供热和220千伏变电站。"
            ),
            "layout": "“一廊两区”布局：智能制造走廊、集成电路封测区、生物医药研发区。",
            "economy": "2024年规上工业总产值约310亿元，集成电路和精密制造产值占比70%。",
        },
        "industry": {
            "leading_industries": "集成电路封装测试、精密机械、生物医药",
            "key_enterprises": "规上企业73家，龙头企业9家，外资企业占比45%。",
            "key_projects_investment": "在建和规划重点项目21个，总投资约120亿元。",
        },
        "energy": {
            "supply": (
                "以绿电交易为主，电网购电约占5%；"
                "热力来自园区燃气热电联产集中供热；屋顶光伏年发电约2.8万兆瓦时。"
            ),
            "consumption": "电力为主；天然气用于洁净厂房空调和实验室蒸汽，柴油仅用于应急发电机。",
            "emissions": (
                "按附件4核算，近三年逐年下降；集中供热和天然气为主要剩余排放源，"
                "单位能耗碳排放尚未达到核心指标要求。"
            ),
        },
        "feasibility": {
            "attainability": (
                "园区绿电交易渠道成熟；主要挑战是集中供热的化石热力和洁净厂房用天然气。"
            ),
        },
        "targets": {
            "targets": "2027年单位能耗碳排放降至0.2 tCO2/tce以下，2028年降至0.18 tCO2/tce以下。",
        },
        "economics": {
            "total_cost": "124000",
            "annual_return": "15200",
            "payback_years": "8.2",
            "irr_percent": "7.9",
        },
    },
    "yanjiang": {
        "basic": {
            "location": "位于长江沿岸化工集中区，水运便利，园区自备热电联产机组集中供热。",
            "layout": "“一区三园”布局：氯碱化工园、化工新材料园、公用工程及物流园。",
            "economy": "2024年规上工业总产值约230亿元，化工新材料产值占比58%。",
        },
        "industry": {
            "leading_industries": "氯碱化工（离子膜烧碱）、化工新材料",
            "key_enterprises": "规上企业41家，其中离子膜烧碱企业2家、新材料企业11家。",
            "key_projects_investment": "在建和规划重点项目12个，总投资约88亿元。",
        },
        "energy": {
            "supply": "以电网购电为主，绿电交易比例较低；园区热电联产公司燃煤供热并向园区外供热。",
            "consumption": "燃煤用于热电联产供热，天然气部分用作化工原料，物流以柴油为主。",
            "emissions": (
                "按附件4核算，燃煤供热和电网购电排放占比最高，"
                "单位能耗碳排放明显高于核心指标要求，是改造重点。"
            ),
        },
        "feasibility": {
            "attainability": (
                "燃煤热电联产和电网购电占比高，达到核心指标需要热源替代和大比例绿电，难度较大。"
            ),
        },
        "targets": {
            "targets": "2028年单位能耗碳排放降至0.8 tCO2/tce以下，2030年降至0.3 tCO2/tce以下。",
        },
        "economics": {
            "total_cost": "236000",
            "annual_return": "21800",
            "payback_years": "10.8",
            "irr_percent": "5.6",
        },
    },
    "xibu": {
        "basic": {
            "location": "位于内蒙古西部风光资源富集区，配套建设风电场和绿电直供专线。",
            "layout": "“一园两区”布局：工业硅及硅材料区、铝合金深加工区，配套焦化和物流。",
            "economy": "2024年规上工业总产值约450亿元，硅铝材料产值占比80%。",
        },
        "industry": {
            "leading_industries": "工业硅、铝合金深加工、配套焦化",
            "key_enterprises": "规上企业38家，工业硅龙头企业2家，铝合金深加工企业5家。",
            "key_projects_investment": "在建和规划重点项目16个，总投资约210亿元。",
        },
        "energy": {
            "supply": (
                "风电绿电直供为主，另有绿电交易，电网购电约占4%；园区风电年发电约50万兆瓦时。"
            ),
            "consumption": (
                "焦炭用作工业硅还原剂（原料），焦化公司以洗精煤加工转换为焦炭和焦炉煤气，"
                "柴油用于物流，航空煤油单独列报。"
            ),
            "emissions": (
                "按附件4核算，工业硅生产过程排放按自治区清单分产品因子计算；"
                "绿电直供使电力间接排放较低，近三年逐年下降。"
            ),
        },
        "feasibility": {
            "attainability": "风光资源和绿电直供专线支撑高比例绿电；主要挑战是工业硅生产过程排放。",
        },
        "targets": {
            "targets": (
                "2028年单位能耗碳排放降至0.15 tCO2/tce以下，工业硅单位产品能耗达到能效标杆水平。"
            ),
        },
        "economics": {
            "total_cost": "312000",
            "annual_return": "45800",
            "payback_years": "6.8",
            "irr_percent": "10.4",
        },
    },
    "binhai": {
        "basic": {
            "location": "位于天津滨海高新技术产业开发区内（园中园），毗邻国际海缆登陆站。",
            "layout": "“一中心两区”布局：数据中心集群、软件研发区、数字服务区。",
            "economy": "2024年营业收入约95亿元，数字经济核心产业占比85%。",
        },
        "industry": {
            "leading_industries": "数据中心、软件和信息技术服务",
            "key_enterprises": "入驻企业120家，数据中心运营企业3家。",
            "key_projects_investment": "在建和规划重点项目8个，总投资约46亿元。",
        },
        "energy": {
            "supply": "电网购电和绿电交易为主，冬季采暖依托城市热网；屋顶光伏正在建设。",
            "consumption": "电力占绝对主导，柴油仅用于数据中心备用发电机，采暖使用外购热力。",
            "emissions": "按附件4核算，电网购电和外购热力为主要排放源，正在提高绿电交易比例。",
        },
        "feasibility": {
            "attainability": (
                "数据中心用电集中，绿电交易可较快提高绿电比例；主要挑战是城市热网外购热力。"
            ),
        },
        "targets": {
            "targets": "2027年单位能耗碳排放降至0.2 tCO2/tce以下，数据中心绿电使用比例达到100%。",
        },
        "economics": {
            "total_cost": "42000",
            "annual_return": "4900",
            "payback_years": "8.6",
            "irr_percent": "7.2",
        },
    },
}
