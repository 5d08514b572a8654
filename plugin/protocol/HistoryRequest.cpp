// SPDX-License-Identifier: MIT
#include "HistoryRequest.h"

#include "Protocol.h"

#include <cmath>

namespace Optiverse::Collab {

namespace {
bool readCounter(const QJsonObject &o, QLatin1String key, bool required, qint64 *out, QString *error)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined() || v.isNull()) {
        if (required)
            *error = QStringLiteral("%1 is required").arg(key);
        return !required;
    }
    const double d = v.toDouble(-1);
    if (!v.isDouble() || d < 0 || d > 9007199254740992.0 || std::floor(d) != d) {
        *error = QStringLiteral("%1 must be a non-negative integer").arg(key);
        return false;
    }
    *out = qint64(d);
    return true;
}

bool readString(const QJsonObject &o, QLatin1String key, int maxLength, QString *out, QString *error)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined() || v.isNull())
        return true;
    if (!v.isString() || v.toString().size() > maxLength) {
        *error = QStringLiteral("%1 must be a string of at most %2 characters").arg(key).arg(maxLength);
        return false;
    }
    *out = v.toString();
    return true;
}
} // namespace

bool HistoryRequest::isHistoryType(const QJsonObject &json)
{
    const QString type = json.value(QLatin1String("type")).toString();
    return type == Protocol::TypeHistoryPage || type == Protocol::TypeHistorySceneAt
        || type == Protocol::TypeHistoryRestore || type == Protocol::TypeHistoryRevert
        || type == Protocol::TypeHistoryName || type == Protocol::TypeHistoryValue;
}

bool HistoryRequest::fromJson(const QJsonObject &o, HistoryRequest *out, QString *error)
{
    HistoryRequest r;
    const QString type = o.value(QLatin1String("type")).toString();
    if (!readString(o, QLatin1String("request_id"), 64, &r.requestId, error))
        return false;
    if (type == Protocol::TypeHistoryPage) {
        r.kind = Kind::Page;
        qint64 limit = 100;
        if (!readCounter(o, QLatin1String("before_seq"), false, &r.beforeSeq, error)
            || !readCounter(o, QLatin1String("limit"), false, &limit, error)
            || !readString(o, QLatin1String("filter_user"), Protocol::MaxIdLength, &r.filterUser, error)
            || !readString(o, QLatin1String("filter_item"), Protocol::MaxIdLength, &r.filterItem, error))
            return false;
        if (limit < 1 || limit > MaxLimit) {
            *error = QStringLiteral("limit must be from 1 to %1").arg(MaxLimit);
            return false;
        }
        r.limit = int(limit);
    } else if (type == Protocol::TypeHistorySceneAt || type == Protocol::TypeHistoryRestore
               || type == Protocol::TypeHistoryRevert || type == Protocol::TypeHistoryName) {
        r.kind = type == Protocol::TypeHistorySceneAt ? Kind::SceneAt
            : type == Protocol::TypeHistoryRestore    ? Kind::Restore
            : type == Protocol::TypeHistoryRevert     ? Kind::Revert
                                                      : Kind::Name;
        if (!readCounter(o, QLatin1String("seq"), true, &r.seq, error))
            return false;
        if (r.kind == Kind::Name) {
            if (!readString(o, QLatin1String("name"), MaxNameLength, &r.name, error))
                return false;
            if (r.name.trimmed().isEmpty()) {
                *error = QStringLiteral("name must be a non-empty string of at most %1 characters").arg(MaxNameLength);
                return false;
            }
            for (const QChar c : std::as_const(r.name)) {
                if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format
                    || c == QChar::LineSeparator || c == QChar::ParagraphSeparator) {
                    *error = QStringLiteral("name must not contain control characters");
                    return false;
                }
            }
            r.name = r.name.trimmed();
        }
    } else if (type == Protocol::TypeHistoryValue) {
        r.kind = Kind::Value;
        QString side;
        if (!readCounter(o, QLatin1String("seq"), true, &r.seq, error)
            || !readString(o, QLatin1String("item_id"), Protocol::MaxIdLength, &r.itemId, error)
            || !readString(o, QLatin1String("key"), Protocol::MaxNameLength, &r.key, error)
            || !readString(o, QLatin1String("side"), 8, &side, error))
            return false;
        if (r.itemId.isEmpty() || r.key.isEmpty() || (side != QLatin1String("before") && side != QLatin1String("after"))) {
            *error = QStringLiteral("history:value needs item_id, key and side \"before\" or \"after\"");
            return false;
        }
        r.after = side == QLatin1String("after");
    } else {
        *error = QStringLiteral("not a history request");
        return false;
    }
    *out = std::move(r);
    return true;
}

QJsonObject HistoryRequest::toJson() const
{
    QJsonObject o;
    switch (kind) {
    case Kind::Page:
        o.insert(QLatin1String("type"), Protocol::TypeHistoryPage);
        o.insert(QLatin1String("limit"), limit);
        if (beforeSeq >= 0)
            o.insert(QLatin1String("before_seq"), beforeSeq);
        if (!filterUser.isEmpty())
            o.insert(QLatin1String("filter_user"), filterUser);
        if (!filterItem.isEmpty())
            o.insert(QLatin1String("filter_item"), filterItem);
        break;
    case Kind::SceneAt: o.insert(QLatin1String("type"), Protocol::TypeHistorySceneAt); break;
    case Kind::Restore: o.insert(QLatin1String("type"), Protocol::TypeHistoryRestore); break;
    case Kind::Revert: o.insert(QLatin1String("type"), Protocol::TypeHistoryRevert); break;
    case Kind::Name: o.insert(QLatin1String("type"), Protocol::TypeHistoryName); break;
    case Kind::Value:
        o.insert(QLatin1String("type"), Protocol::TypeHistoryValue);
        o.insert(QLatin1String("item_id"), itemId);
        o.insert(QLatin1String("key"), key);
        o.insert(QLatin1String("side"), after ? QLatin1String("after") : QLatin1String("before"));
        break;
    }
    if (kind != Kind::Page)
        o.insert(QLatin1String("seq"), seq);
    if (kind == Kind::Name)
        o.insert(QLatin1String("name"), name);
    if (!requestId.isEmpty())
        o.insert(QLatin1String("request_id"), requestId);
    return o;
}

} // namespace Optiverse::Collab
