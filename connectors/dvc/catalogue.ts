// Procedure templates for the DVC simulator: the shapes of real thủ tục hành
// chính (names, fields, levels, dossiers, fees, legal bases as the national
// database publishes them), expanded per province/district by the simulator.

export interface FormTemplate {
  code: string;
  name: string;
  originals: number;
  copies: number;
  /** File name of the template, when the procedure publishes one (.docx/.doc/.pdf). */
  form?: string;
}

export interface ProcedureTemplate {
  nationalCode: string;
  name: string;
  field: { code: string; name: string };
  /** CAPTHUCHIEN: 0 Bộ, 1 Tỉnh, 2 Huyện, 3 Xã. */
  level: "1" | "2" | "3";
  audience: { code: string; name: string }[];
  steps: string[];
  /** Days by channel KENH (1 in person, 2 online, 3 post); absent channel is not offered. */
  days: Partial<Record<"1" | "2" | "3", string>>;
  dayUnit: string;
  fee: { code: string; amount: string; description: string } | null;
  dossier: FormTemplate[];
  results: string[];
  legal: { number: string; title: string; issuer: string; date: string }[];
  requirements: string;
}

export const PROVINCE = { code: "H55", name: "Quảng Ngãi", agency: "000.00.00.H55", people: "UBND tỉnh Quảng Ngãi" } as const;

/** Districts of Quảng Ngãi with their agency-code segment (000.00.NN.H55). */
export const DISTRICTS: readonly { segment: string; name: string }[] = [
  { segment: "21", name: "UBND huyện Bình Sơn" },
  { segment: "22", name: "UBND huyện Sơn Tịnh" },
  { segment: "23", name: "UBND huyện Tư Nghĩa" },
  { segment: "24", name: "UBND huyện Nghĩa Hành" },
  { segment: "25", name: "UBND huyện Mộ Đức" },
  { segment: "26", name: "UBND thị xã Đức Phổ" },
  { segment: "27", name: "UBND huyện Ba Tơ" },
  { segment: "28", name: "UBND huyện Minh Long" },
  { segment: "29", name: "UBND huyện Sơn Hà" },
  { segment: "30", name: "UBND huyện Sơn Tây" },
  { segment: "31", name: "UBND huyện Trà Bồng" },
  { segment: "32", name: "UBND huyện Lý Sơn" },
  { segment: "33", name: "UBND thành phố Quảng Ngãi" },
];

const CITIZEN = { code: "CD", name: "Công dân Việt Nam" };
const FOREIGNER = { code: "NNN", name: "Người nước ngoài" };
const BUSINESS = { code: "DN", name: "Doanh nghiệp" };
const HOUSEHOLD = { code: "HKD", name: "Hộ kinh doanh" };

const LUAT_HO_TICH = { number: "60/2014/QH13", title: "Luật Hộ tịch", issuer: "Quốc hội", date: "2014-11-20" };
const ND_123 = {
  number: "123/2015/NĐ-CP",
  title: "Nghị định quy định chi tiết một số điều và biện pháp thi hành Luật Hộ tịch",
  issuer: "Chính phủ",
  date: "2015-11-15",
};
const TT_04 = {
  number: "04/2020/TT-BTP",
  title: "Thông tư quy định chi tiết thi hành một số điều của Luật Hộ tịch và Nghị định số 123/2015/NĐ-CP",
  issuer: "Bộ Tư pháp",
  date: "2020-05-28",
};

export const PROCEDURE_TEMPLATES: readonly ProcedureTemplate[] = [
  {
    nationalCode: "1.001193",
    name: "Thủ tục đăng ký khai sinh",
    field: { code: "HT", name: "Hộ tịch" },
    level: "3",
    audience: [CITIZEN],
    steps: [
      "Bước 1: Người có yêu cầu nộp hồ sơ tại Bộ phận Một cửa của Ủy ban nhân dân cấp xã hoặc nộp trực tuyến trên Cổng Dịch vụ công.",
      "Bước 2: Công chức tư pháp - hộ tịch kiểm tra hồ sơ; nếu hồ sơ đầy đủ, hợp lệ thì tiếp nhận.",
      "Bước 3: Công chức tư pháp - hộ tịch ghi nội dung khai sinh vào Sổ hộ tịch, cập nhật vào Cơ sở dữ liệu hộ tịch điện tử; Chủ tịch Ủy ban nhân dân cấp xã cấp Giấy khai sinh.",
    ],
    days: { "1": "1", "2": "1", "3": "1" },
    dayUnit: "Ngày làm việc",
    fee: { code: "LP", amount: "0", description: "Miễn lệ phí đăng ký khai sinh đúng hạn" },
    dossier: [
      { code: "GT01", name: "Tờ khai đăng ký khai sinh theo mẫu", originals: 1, copies: 0, form: "to-khai-dang-ky-khai-sinh.docx" },
      { code: "GT02", name: "Giấy chứng sinh hoặc văn bản của người làm chứng xác nhận về việc sinh", originals: 1, copies: 0 },
    ],
    results: ["Giấy khai sinh (bản chính)", "Bản sao Giấy khai sinh (nếu có yêu cầu)"],
    legal: [LUAT_HO_TICH, ND_123, TT_04],
    requirements: "Không",
  },
  {
    nationalCode: "1.000894",
    name: "Thủ tục đăng ký kết hôn",
    field: { code: "HT", name: "Hộ tịch" },
    level: "3",
    audience: [CITIZEN],
    steps: [
      "Bước 1: Hai bên nam, nữ nộp hồ sơ tại Bộ phận Một cửa của Ủy ban nhân dân cấp xã.",
      "Bước 2: Công chức tư pháp - hộ tịch kiểm tra, xác minh điều kiện kết hôn.",
      "Bước 3: Hai bên nam, nữ cùng có mặt, ký vào Sổ hộ tịch và Giấy chứng nhận kết hôn.",
    ],
    days: { "1": "1", "2": "1" },
    dayUnit: "Ngày làm việc",
    fee: { code: "LP", amount: "0", description: "Miễn lệ phí" },
    dossier: [
      { code: "GT01", name: "Tờ khai đăng ký kết hôn theo mẫu", originals: 1, copies: 0, form: "to-khai-dang-ky-ket-hon.docx" },
      { code: "GT02", name: "Giấy xác nhận tình trạng hôn nhân (trường hợp đăng ký kết hôn không tại nơi thường trú)", originals: 1, copies: 0 },
    ],
    results: ["Giấy chứng nhận kết hôn"],
    legal: [LUAT_HO_TICH, { number: "52/2014/QH13", title: "Luật Hôn nhân và gia đình", issuer: "Quốc hội", date: "2014-06-19" }, ND_123],
    requirements: "Nam từ đủ 20 tuổi trở lên, nữ từ đủ 18 tuổi trở lên; việc kết hôn do nam và nữ tự nguyện quyết định.",
  },
  {
    nationalCode: "1.000656",
    name: "Thủ tục đăng ký khai tử",
    field: { code: "HT", name: "Hộ tịch" },
    level: "3",
    audience: [CITIZEN],
    steps: [
      "Bước 1: Người đi đăng ký khai tử nộp hồ sơ tại Ủy ban nhân dân cấp xã nơi cư trú cuối cùng của người chết.",
      "Bước 2: Công chức tư pháp - hộ tịch ghi nội dung khai tử vào Sổ hộ tịch và cấp trích lục cho người đi khai tử.",
    ],
    days: { "1": "1", "2": "1", "3": "1" },
    dayUnit: "Ngày làm việc",
    fee: { code: "LP", amount: "0", description: "Miễn lệ phí" },
    dossier: [
      { code: "GT01", name: "Tờ khai đăng ký khai tử theo mẫu", originals: 1, copies: 0, form: "to-khai-dang-ky-khai-tu.doc" },
      { code: "GT02", name: "Giấy báo tử hoặc giấy tờ thay thế Giấy báo tử", originals: 1, copies: 0 },
    ],
    results: ["Trích lục khai tử (bản chính)"],
    legal: [LUAT_HO_TICH, ND_123],
    requirements: "Thời hạn đăng ký khai tử là 15 ngày kể từ ngày có người chết.",
  },
  {
    nationalCode: "1.004873",
    name: "Thủ tục thay đổi, cải chính, bổ sung thông tin hộ tịch",
    field: { code: "HT", name: "Hộ tịch" },
    level: "3",
    audience: [CITIZEN],
    steps: [
      "Bước 1: Người yêu cầu nộp hồ sơ tại Ủy ban nhân dân cấp xã nơi đã đăng ký hộ tịch trước đây hoặc nơi cư trú.",
      "Bước 2: Công chức tư pháp - hộ tịch kiểm tra; trường hợp cần xác minh thì thời hạn được kéo dài thêm không quá 03 ngày làm việc.",
      "Bước 3: Chủ tịch Ủy ban nhân dân cấp xã ký cấp trích lục thay đổi, cải chính, bổ sung thông tin hộ tịch.",
    ],
    days: { "1": "3", "2": "3" },
    dayUnit: "Ngày làm việc",
    fee: { code: "LP", amount: "15000", description: "Lệ phí thay đổi, cải chính hộ tịch" },
    dossier: [
      { code: "GT01", name: "Tờ khai đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", originals: 1, copies: 0, form: "to-khai-thay-doi-cai-chinh-ho-tich.docx" },
      { code: "GT02", name: "Giấy tờ làm căn cứ thay đổi, cải chính, bổ sung thông tin hộ tịch", originals: 0, copies: 1 },
    ],
    results: ["Trích lục thay đổi, cải chính, bổ sung thông tin hộ tịch"],
    legal: [LUAT_HO_TICH, ND_123, TT_04],
    requirements: "Người yêu cầu thay đổi họ, chữ đệm, tên phải có lý do chính đáng theo quy định của Bộ luật Dân sự.",
  },
  {
    nationalCode: "2.000815",
    name: "Thủ tục chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền của Việt Nam cấp hoặc chứng nhận",
    field: { code: "CT", name: "Chứng thực" },
    level: "3",
    audience: [CITIZEN, FOREIGNER],
    steps: [
      "Bước 1: Người yêu cầu chứng thực xuất trình bản chính giấy tờ, văn bản và bản sao cần chứng thực.",
      "Bước 2: Người thực hiện chứng thực kiểm tra bản chính, đối chiếu với bản sao, ghi lời chứng, ký, ghi rõ họ tên và đóng dấu.",
    ],
    days: { "1": "1" },
    dayUnit: "Ngày làm việc",
    fee: { code: "PHI", amount: "2000", description: "2.000 đồng/trang; từ trang thứ ba trở lên thu 1.000 đồng/trang, tối đa 200.000 đồng/bản" },
    dossier: [{ code: "GT01", name: "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao và bản sao cần chứng thực", originals: 1, copies: 1 }],
    results: ["Bản sao được chứng thực từ bản chính"],
    legal: [
      { number: "23/2015/NĐ-CP", title: "Nghị định về cấp bản sao từ sổ gốc, chứng thực bản sao từ bản chính, chứng thực chữ ký và chứng thực hợp đồng, giao dịch", issuer: "Chính phủ", date: "2015-02-16" },
      { number: "226/2016/TT-BTC", title: "Thông tư quy định mức thu, chế độ thu, nộp, quản lý và sử dụng phí chứng thực", issuer: "Bộ Tài chính", date: "2016-11-11" },
    ],
    requirements: "Không chứng thực bản sao đối với bản chính bị tẩy xóa, sửa chữa, thêm, bớt nội dung không hợp lệ.",
  },
  {
    nationalCode: "1.009994",
    name: "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
    field: { code: "XD", name: "Hoạt động xây dựng" },
    level: "2",
    audience: [CITIZEN, HOUSEHOLD],
    steps: [
      "Bước 1: Chủ đầu tư nộp hồ sơ đề nghị cấp giấy phép xây dựng tại Bộ phận Một cửa của Ủy ban nhân dân cấp huyện.",
      "Bước 2: Cơ quan cấp phép kiểm tra hồ sơ, tổ chức thẩm định hồ sơ và kiểm tra thực địa.",
      "Bước 3: Cơ quan cấp phép xem xét, cấp giấy phép xây dựng trong thời hạn quy định.",
    ],
    days: { "1": "15", "2": "15", "3": "15" },
    dayUnit: "Ngày",
    fee: { code: "LP", amount: "75000", description: "Lệ phí cấp giấy phép xây dựng nhà ở riêng lẻ" },
    dossier: [
      { code: "GT01", name: "Đơn đề nghị cấp giấy phép xây dựng theo Mẫu số 01 Phụ lục II Nghị định số 15/2021/NĐ-CP", originals: 1, copies: 0, form: "mau-01-don-de-nghi-cap-giay-phep-xay-dung.docx" },
      { code: "GT02", name: "Bản sao giấy tờ chứng minh quyền sử dụng đất", originals: 0, copies: 1 },
      { code: "GT03", name: "Bản vẽ thiết kế xây dựng (mặt bằng, mặt cắt, mặt đứng chính, móng)", originals: 2, copies: 0, form: "huong-dan-ban-ve-thiet-ke.pdf" },
    ],
    results: ["Giấy phép xây dựng"],
    legal: [
      { number: "50/2014/QH13", title: "Luật Xây dựng", issuer: "Quốc hội", date: "2014-06-18" },
      { number: "62/2020/QH14", title: "Luật sửa đổi, bổ sung một số điều của Luật Xây dựng", issuer: "Quốc hội", date: "2020-06-17" },
      { number: "15/2021/NĐ-CP", title: "Nghị định quy định chi tiết một số nội dung về quản lý dự án đầu tư xây dựng", issuer: "Chính phủ", date: "2021-03-03" },
    ],
    requirements: "Phù hợp với quy hoạch chi tiết xây dựng; bảo đảm an toàn cho công trình và công trình lân cận.",
  },
  {
    nationalCode: "2.000720",
    name: "Đăng ký thành lập hộ kinh doanh",
    field: { code: "HKD", name: "Thành lập và hoạt động của hộ kinh doanh" },
    level: "2",
    audience: [CITIZEN, HOUSEHOLD],
    steps: [
      "Bước 1: Người thành lập hộ kinh doanh nộp hồ sơ tại Phòng Tài chính - Kế hoạch cấp huyện.",
      "Bước 2: Cơ quan đăng ký kinh doanh cấp huyện trao Giấy biên nhận và cấp Giấy chứng nhận đăng ký hộ kinh doanh trong thời hạn 03 ngày làm việc.",
    ],
    days: { "1": "3", "2": "3" },
    dayUnit: "Ngày làm việc",
    fee: { code: "LP", amount: "100000", description: "Lệ phí đăng ký hộ kinh doanh (miễn khi nộp trực tuyến)" },
    dossier: [
      { code: "GT01", name: "Giấy đề nghị đăng ký hộ kinh doanh", originals: 1, copies: 0, form: "giay-de-nghi-dang-ky-ho-kinh-doanh.docx" },
      { code: "GT02", name: "Bản sao biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh", originals: 0, copies: 1 },
    ],
    results: ["Giấy chứng nhận đăng ký hộ kinh doanh"],
    legal: [{ number: "01/2021/NĐ-CP", title: "Nghị định về đăng ký doanh nghiệp", issuer: "Chính phủ", date: "2021-01-04" }],
    requirements: "Ngành, nghề đăng ký kinh doanh không bị cấm đầu tư kinh doanh.",
  },
  {
    nationalCode: "2.001610",
    name: "Đăng ký thành lập doanh nghiệp tư nhân",
    field: { code: "DKDN", name: "Thành lập và hoạt động doanh nghiệp" },
    level: "1",
    audience: [CITIZEN, BUSINESS],
    steps: [
      "Bước 1: Người thành lập doanh nghiệp nộp hồ sơ đăng ký doanh nghiệp tại Phòng Đăng ký kinh doanh hoặc qua Cổng thông tin quốc gia về đăng ký doanh nghiệp.",
      "Bước 2: Phòng Đăng ký kinh doanh xem xét tính hợp lệ của hồ sơ và cấp Giấy chứng nhận đăng ký doanh nghiệp.",
    ],
    days: { "1": "3", "2": "3" },
    dayUnit: "Ngày làm việc",
    fee: { code: "LP", amount: "50000", description: "Lệ phí đăng ký doanh nghiệp; miễn khi đăng ký qua mạng điện tử" },
    dossier: [
      { code: "GT01", name: "Giấy đề nghị đăng ký doanh nghiệp tư nhân", originals: 1, copies: 0, form: "phu-luc-i-1-giay-de-nghi-dang-ky-dntn.docx" },
      { code: "GT02", name: "Bản sao giấy tờ pháp lý của cá nhân đối với chủ doanh nghiệp tư nhân", originals: 0, copies: 1 },
    ],
    results: ["Giấy chứng nhận đăng ký doanh nghiệp"],
    legal: [
      { number: "59/2020/QH14", title: "Luật Doanh nghiệp", issuer: "Quốc hội", date: "2020-06-17" },
      { number: "01/2021/NĐ-CP", title: "Nghị định về đăng ký doanh nghiệp", issuer: "Chính phủ", date: "2021-01-04" },
    ],
    requirements: "",
  },
  {
    nationalCode: "2.000488",
    name: "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
    field: { code: "LLTP", name: "Lý lịch tư pháp" },
    level: "1",
    audience: [CITIZEN, FOREIGNER],
    steps: [
      "Bước 1: Người yêu cầu cấp Phiếu lý lịch tư pháp nộp hồ sơ tại Sở Tư pháp hoặc nộp trực tuyến.",
      "Bước 2: Sở Tư pháp tra cứu, xác minh thông tin lý lịch tư pháp và cấp Phiếu lý lịch tư pháp.",
    ],
    days: { "1": "10", "2": "10", "3": "10" },
    dayUnit: "Ngày",
    fee: { code: "PHI", amount: "200000", description: "Phí cung cấp thông tin lý lịch tư pháp" },
    dossier: [
      { code: "GT01", name: "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (Mẫu số 03/2013/TT-LLTP)", originals: 1, copies: 0, form: "mau-03-to-khai-lltp.doc" },
      { code: "GT02", name: "Bản chụp giấy chứng minh nhân dân hoặc căn cước công dân", originals: 0, copies: 1 },
    ],
    results: ["Phiếu lý lịch tư pháp số 1 hoặc số 2"],
    legal: [{ number: "28/2009/QH12", title: "Luật Lý lịch tư pháp", issuer: "Quốc hội", date: "2009-06-17" }],
    requirements: "",
  },
  {
    nationalCode: "1.001776",
    name: "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng",
    field: { code: "BTXH", name: "Bảo trợ xã hội" },
    level: "3",
    audience: [CITIZEN],
    steps: [
      "Bước 1: Đối tượng hoặc người giám hộ nộp hồ sơ tại Ủy ban nhân dân cấp xã.",
      "Bước 2: Hội đồng xét duyệt trợ cấp xã hội cấp xã xét duyệt, niêm yết công khai kết quả trong 02 ngày làm việc.",
      "Bước 3: Phòng Lao động - Thương binh và Xã hội thẩm định, trình Chủ tịch Ủy ban nhân dân cấp huyện quyết định.",
    ],
    days: { "1": "22" },
    dayUnit: "Ngày làm việc",
    fee: null,
    dossier: [{ code: "GT01", name: "Tờ khai đề nghị trợ giúp xã hội (Mẫu số 1a)", originals: 1, copies: 0, form: "mau-1a-to-khai-tro-giup-xa-hoi.docx" }],
    results: ["Quyết định trợ cấp xã hội hàng tháng"],
    legal: [{ number: "20/2021/NĐ-CP", title: "Nghị định quy định chính sách trợ giúp xã hội đối với đối tượng bảo trợ xã hội", issuer: "Chính phủ", date: "2021-03-15" }],
    requirements: "",
  },
  {
    nationalCode: "2.000620",
    name: "Cấp Giấy phép bán lẻ sản phẩm rượu",
    field: { code: "LTHH", name: "Lưu thông hàng hóa trong nước" },
    level: "2",
    audience: [BUSINESS, HOUSEHOLD],
    steps: [
      "Bước 1: Thương nhân nộp hồ sơ tại Phòng Kinh tế hoặc Phòng Kinh tế và Hạ tầng cấp huyện.",
      "Bước 2: Cơ quan cấp phép xem xét, thẩm định và cấp Giấy phép bán lẻ sản phẩm rượu.",
    ],
    days: { "1": "10", "2": "10" },
    dayUnit: "Ngày làm việc",
    fee: { code: "PHI", amount: "1200000", description: "Phí thẩm định cấp giấy phép kinh doanh tại khu vực thành phố" },
    dossier: [
      { code: "GT01", name: "Đơn đề nghị cấp Giấy phép bán lẻ sản phẩm rượu (Mẫu số 01)", originals: 1, copies: 0, form: "mau-01-don-de-nghi-ban-le-ruou.doc" },
      { code: "GT02", name: "Bản sao Giấy chứng nhận đăng ký doanh nghiệp hoặc hộ kinh doanh", originals: 0, copies: 1 },
    ],
    results: ["Giấy phép bán lẻ sản phẩm rượu"],
    legal: [{ number: "105/2017/NĐ-CP", title: "Nghị định về kinh doanh rượu", issuer: "Chính phủ", date: "2017-09-14" }],
    requirements: "Có quyền sử dụng hợp pháp cơ sở dự kiến làm địa điểm bán lẻ.",
  },
  {
    nationalCode: "1.003337",
    name: "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
    field: { code: "ATTP", name: "An toàn thực phẩm" },
    level: "1",
    audience: [BUSINESS, HOUSEHOLD],
    steps: [
      "Bước 1: Cơ sở nộp hồ sơ tại Ban Quản lý An toàn thực phẩm hoặc Sở Công Thương.",
      "Bước 2: Đoàn thẩm định kiểm tra thực tế điều kiện an toàn thực phẩm tại cơ sở.",
      "Bước 3: Cơ quan có thẩm quyền cấp Giấy chứng nhận nếu kết quả thẩm định đạt.",
    ],
    days: { "1": "20", "2": "20" },
    dayUnit: "Ngày làm việc",
    fee: { code: "PHI", amount: "1000000", description: "Phí thẩm định cấp giấy chứng nhận đối với cơ sở kinh doanh" },
    dossier: [
      { code: "GT01", name: "Đơn đề nghị cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", originals: 1, copies: 0, form: "don-de-nghi-cap-gcn-attp.pdf" },
      { code: "GT02", name: "Bản thuyết minh về cơ sở vật chất, trang thiết bị, dụng cụ bảo đảm điều kiện an toàn thực phẩm", originals: 1, copies: 0 },
    ],
    results: ["Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm"],
    legal: [{ number: "55/2010/QH12", title: "Luật An toàn thực phẩm", issuer: "Quốc hội", date: "2010-06-17" }],
    requirements: "",
  },
];

/** Templates offered by each district (district-level and commune-level procedures). */
export const LOCAL_TEMPLATES = PROCEDURE_TEMPLATES.filter((t) => t.level !== "1");
export const PROVINCIAL_TEMPLATES = PROCEDURE_TEMPLATES.filter((t) => t.level === "1");

export const LEVEL_NAME: Record<string, string> = { "1": "Cấp tỉnh", "2": "Cấp huyện", "3": "Cấp xã" };
