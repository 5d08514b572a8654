// SPDX-License-Identifier: MIT
#include "StateItem.h"

#include "Protocol.h"

namespace Optiverse::Collab {

QJsonObject StateItem::toJson() const
{
    QJsonObject o = data;
    o.insert(Protocol::FieldUuid, id);
    o.insert(Protocol::FieldItemType, type);
    return o;
}

QString StateItem::takeIdentity(QJsonObject *data, bool *conflict)
{
    QString id;
    bool disagree = false;
    for (QLatin1String key : {Protocol::FieldUuid, Protocol::FieldItemUuid, Protocol::FieldItemId}) {
        const auto it = data->find(key);
        if (it == data->end())
            continue;
        const QString value = it->toString();
        if (!value.isEmpty()) {
            if (!id.isEmpty() && id != value)
                disagree = true;
            else
                id = value;
        }
        data->erase(it);
    }
    data->remove(Protocol::FieldItemType);
    if (conflict)
        *conflict = disagree;
    return disagree ? QString() : id;
}

bool StateItem::fromJson(const QJsonObject &object, StateItem *out, QString *error)
{
    const QJsonValue type = object.value(Protocol::FieldItemType);
    if (!type.isString() || type.toString().isEmpty() || type.toString().size() > Protocol::MaxTypeLength) {
        *error = QStringLiteral("needs an item_type of 1 to %1 characters").arg(Protocol::MaxTypeLength);
        return false;
    }
    const QJsonValue nested = object.value(Protocol::FieldData);
    const bool isNested = object.value(Protocol::FieldItemId).isString() && nested.isObject()
        && !object.contains(Protocol::FieldUuid) && !object.contains(Protocol::FieldItemUuid);
    StateItem item;
    item.type = type.toString();
    bool conflict = false;
    if (isNested) {
        item.id = object.value(Protocol::FieldItemId).toString();
        item.data = nested.toObject();
        const QString inner = takeIdentity(&item.data, &conflict);
        conflict = conflict || (!inner.isEmpty() && inner != item.id);
    } else {
        item.data = object;
        item.id = takeIdentity(&item.data, &conflict);
    }
    if (conflict) {
        *error = QStringLiteral("names two different ids");
        return false;
    }
    if (item.id.isEmpty() || item.id.size() > Protocol::MaxIdLength) {
        *error = QStringLiteral("needs a uuid (or item_uuid) of 1 to %1 characters").arg(Protocol::MaxIdLength);
        return false;
    }
    *out = std::move(item);
    return true;
}

} // namespace Optiverse::Collab
