"""A realistic organisation for the local DingTalk server: a department tree five levels deep
(the root and four below it), about 2,200 people with Chinese names, 320 apps (official,
third-party, self-built) with visible scopes and app roles — and the contacts and app-role
calls that page exactly as DingTalk's do:

* ``POST /topapi/v2/department/listsub`` ``{dept_id}`` → ``result[]{dept_id, name,
  parent_id}`` (direct children, unpaged);
* ``POST /topapi/v2/user/list`` ``{dept_id, cursor, size ≤ 100}`` → ``result{has_more,
  next_cursor, list[]}`` (``next_cursor`` only while ``has_more``);
* ``GET /v1.0/microApp/apps/{agentId}/roles?nextToken=&size=`` → ``{hasMore, nextToken,
  dataList[]}``;
* ``GET /v1.0/microApp/allApps`` / ``allInnerApps`` with ``appId`` and ``developType``.

Deterministic for a seed. Tests change it between imports with ``add_app``, ``remove_app`` and
``move_user``.
"""

from __future__ import annotations

import random

ROOT = 1
ORG_NAME = "华远集团"
CENTRES = ("销售中心", "研发中心", "财务中心", "人力资源中心", "供应链中心", "行政中心")
DEPTS = ("一部", "二部", "三部")
REGIONS = ("华东", "华南", "华北")
TEAMS = ("一组", "二组")
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓"
            "曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚"
         "桂华玉萍红娥玲芬燕彬鹏辉宇浩然轩梓涵诺欣怡晨阳")
DOMAINS = ("销售", "财务", "人事", "采购", "仓储", "物流", "客服", "研发", "质量", "行政", "法务",
           "市场", "培训", "资产", "合同", "费用", "门店", "会员", "项目", "安全")
FUNCTIONS = ("管理", "助手", "报表", "审批", "看板", "台账", "系统", "平台", "工具", "中心",
             "云", "通", "宝", "易", "星", "盒子")
PAGE_LIMIT = 100
ERR_PARAM = {"errcode": 40035, "errmsg": "不合法的参数"}


class FakeOrg:
    def __init__(self, seed: int = 16, apps: int = 320, people_per_team: int = 20,
                 big_team: int = 230):
        rng = random.Random(seed)
        self.rng = rng
        self.depts: dict[int, dict] = {}  # dept_id → {name, parent_id}
        self.users: dict[str, dict] = {}  # userid → the user/list entry
        self.heads: dict[int, str] = {}  # dept_id → its manager (user/list: leader)
        self.apps: dict[str, dict] = {}  # agentId (text) → the app, with scope and roles
        self.admins: set[str] = set()  # the organisation's own admins (manage every app)
        self._next_dept = 100
        self._build_tree()
        self._build_people(people_per_team)
        self.big_team = self.leaves()[0]  # a call centre team: its people take three pages
        for _ in range(big_team):
            self._person([self.big_team])
        for _ in range(apps):
            self.add_app()
        # One app with many roles, a second admin role last: its roles take two pages.
        self.many_roles = next(iter(self.apps))
        roles = self.apps[self.many_roles]["roles"]
        roles += [{"roleId": 10 + i, "roleName": f"项目组{i}", "canManageRole": False,
                   "scopeType": "CUSTOM", "scopeVersion": 1, "userIdList": [],
                   "deptIdList": [self.rng.choice(list(self.depts))]} for i in range(140)]
        roles.append({"roleId": 999, "roleName": "子管理员", "canManageRole": True,
                      "scopeType": "CUSTOM", "scopeVersion": 1, "deptIdList": [],
                      "userIdList": self.rng.sample(list(self.users), 2)})

    # ------------------------------------------------------------ building

    def _dept(self, name: str, parent: int) -> int:
        self._next_dept += 1
        self.depts[self._next_dept] = {"name": name, "parent_id": parent}
        return self._next_dept

    def _build_tree(self) -> None:
        for centre in CENTRES:
            c = self._dept(centre, ROOT)
            for d_name in DEPTS:
                d = self._dept(centre[:2] + d_name, c)
                for region in REGIONS:
                    r = self._dept(region, d)
                    for team in TEAMS:
                        self._dept(team, r)

    def leaves(self) -> list[int]:
        parents = {d["parent_id"] for d in self.depts.values()}
        return [i for i in self.depts if i not in parents]

    def _person(self, dept_ids: list[int]) -> str:
        n = len(self.users) + 1
        userid = f"0{n:04d}{self.rng.randrange(10**6):06d}"
        name = self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN, k=self.rng.choice(
            (1, 2, 2))))
        self.users[userid] = {
            "userid": userid, "unionid": f"union-{userid}", "name": name,
            "dept_id_list": dept_ids, "job_number": f"HY{n:05d}",
            "org_email": f"u{n:05d}@huayuan.example.cn" if n % 7 else "",
            "email": "", "active": True, "admin": n <= 3, "title": ""}
        return userid

    def _build_people(self, per_team: int) -> None:
        for _ in range(3):
            self._person([ROOT])
        for dept_id in sorted(self.depts):
            if dept_id in self.leaves():
                for _ in range(per_team):
                    self._person([dept_id])
            else:
                self.heads[dept_id] = self._person([dept_id])  # the department's head
        for userid in list(self.users)[10::97]:  # some people belong to two departments
            self.users[userid]["dept_id_list"].append(self.rng.choice(self.leaves()))

    def _name(self) -> str:
        taken = {a["name"] for a in self.apps.values()}
        while True:
            name = self.rng.choice(DOMAINS) + self.rng.choice(FUNCTIONS)
            if self.rng.random() < 0.5:
                name += self.rng.choice(("", "Pro", "2.0", "助理", "专业版"))
            if name not in taken:
                return name

    def add_app(self, name: str | None = None, kind: str | None = None) -> str:
        rng = self.rng
        agent = str(2_000_000_000 + len(self.apps) * 37 + 11 + rng.randrange(30))
        while agent in self.apps:
            agent = str(int(agent) + 1)
        kind = kind or rng.choices(("official", "third_party", "self_built"), (1, 5, 4))[0]
        app_id = {"official": -rng.randrange(1, 40), "third_party": rng.randrange(10**5, 10**6),
                  "self_built": 0}[kind]
        users, depts = list(self.users), list(self.depts)
        shape = rng.random()
        scope = {"userIds": [], "deptIds": [], "roleIds": [], "onlyAdminVisible": False}
        if shape < 0.3:
            pass  # everyone
        elif shape < 0.75:
            scope["deptIds"] = rng.sample(depts, rng.randint(1, 3))
        elif shape < 0.95:
            scope["userIds"] = rng.sample(users, rng.randint(1, 12))
        else:
            scope["onlyAdminVisible"] = True
        roles = [{"roleId": 1, "roleName": "管理员", "canManageRole": True, "scopeType": "CUSTOM",
                  "scopeVersion": 1, "userIdList": rng.sample(users, rng.randint(1, 2)),
                  "deptIdList": []},
                 {"roleId": 2, "roleName": "成员", "canManageRole": False, "scopeType": "ALL",
                  "scopeVersion": 1, "userIdList": [], "deptIdList": rng.sample(depts, 1)}]
        self.apps[agent] = {
            "name": name or self._name(), "appStatus": rng.choices((1, 0, 3), (90, 7, 3))[0],
            "appId": app_id, "developType": rng.choice((0, 1)), "kind": kind,
            "scope": scope, "roles": roles}
        return agent

    def remove_app(self, agent: str) -> None:
        del self.apps[agent]

    def move_user(self, userid: str, dept_id: int) -> None:
        self.users[userid]["dept_id_list"] = [dept_id]

    def path(self, dept_id: int) -> str:
        parts = []
        while dept_id != ROOT:
            parts.append(self.depts[dept_id]["name"])
            dept_id = self.depts[dept_id]["parent_id"]
        return "/".join(reversed(parts))

    def depth(self) -> int:
        return max(self.path(d).count("/") + 1 for d in self.depts)

    # ------------------------------------------------------------ the calls

    def app_json(self, agent: str) -> dict:
        app = self.apps[agent]
        body = {"agentId": int(agent), "name": app["name"], "appStatus": app["appStatus"],
                "appId": app["appId"], "developType": app["developType"],
                "desc": "", "icon": "", "homepageLink": "", "pcHomepageLink": "", "ompLink": ""}
        if app["kind"] == "self_built":
            body["unifiedAppId"] = f"u-{agent}"
        return body

    def route(self, method: str, path: str, query: dict, body: dict):
        """The answer for the calls this module serves, else None."""
        if method == "GET" and path == "/v1.0/microApp/allApps":
            return 200, {"appList": [self.app_json(a) for a in self.apps]}
        if method == "GET" and path == "/v1.0/microApp/allInnerApps":
            return 200, {"appList": [self.app_json(a) for a in self.apps
                                     if self.apps[a]["kind"] == "self_built"]}
        parts = path.strip("/").split("/")
        if method == "GET" and parts[:3] == ["v1.0", "microApp", "apps"] and parts[4:] == [
                "scopes"] and parts[3] in self.apps:
            return 200, {"result": self.apps[parts[3]]["scope"]}
        if (method == "GET" and parts[:3] == ["v1.0", "microApp", "apps"] and parts[3] in self.apps
                and parts[4:5] == ["users"] and parts[6:] == ["adminAccess"]):
            managers = {u for r in self.apps[parts[3]]["roles"] if r["canManageRole"]
                        for u in r["userIdList"]}
            return 200, {"result": parts[5] in managers | self.admins}
        if method == "GET" and parts[:3] == ["v1.0", "microApp", "apps"] and parts[4:] == [
                "roles"]:
            if parts[3] not in self.apps:
                return 400, {"code": "invalidAgentId", "message": "agentId not found"}
            size = int(query.get("size", 20))
            start = int(query.get("nextToken", 0))
            if not 1 <= size <= PAGE_LIMIT:
                return 400, {"code": "invalidParameter", "message": "size out of range"}
            roles = self.apps[parts[3]]["roles"]
            page = roles[start:start + size]
            more = start + size < len(roles)
            return 200, {"dataList": page, "hasMore": more} | (
                {"nextToken": start + size} if more else {})
        if method == "POST" and path == "/topapi/v2/department/listsub":
            dept = body.get("dept_id")
            if not isinstance(dept, int) or (dept != ROOT and dept not in self.depts):
                return 200, {"errcode": 60003, "errmsg": "部门不存在"}
            return 200, {"errcode": 0, "errmsg": "ok", "result": [
                {"dept_id": i, "name": d["name"], "parent_id": d["parent_id"],
                 "auto_add_user": False, "create_dept_group": False}
                for i, d in self.depts.items() if d["parent_id"] == dept]}
        if method == "POST" and path == "/topapi/v2/user/list":
            dept, cursor, size = body.get("dept_id"), body.get("cursor"), body.get("size")
            if not (isinstance(dept, int) and isinstance(cursor, int)
                    and isinstance(size, int) and 1 <= size <= PAGE_LIMIT and cursor >= 0):
                return 200, ERR_PARAM
            if dept != ROOT and dept not in self.depts:
                return 200, {"errcode": 60003, "errmsg": "部门不存在"}
            members = [u for u in self.users.values() if dept in u["dept_id_list"]]
            page = [{**u, "leader": self.heads.get(dept) == u["userid"]}
                    for u in members[cursor:cursor + size]]
            more = cursor + size < len(members)
            return 200, {"errcode": 0, "errmsg": "ok", "result": {
                "has_more": more, "list": page} | ({"next_cursor": cursor + size} if more
                                                   else {})}
        return None
