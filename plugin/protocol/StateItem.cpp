// SPDX-License-Identifier: MIT
#include "StateItem.h"

#include "JsonStorage.h"
#include "Protocol.h"

namespace Optiverse::Collab {

QJsonObject StateItem::toJson() const
{
    QJsonObject o = data;
    o.insert(Protocol::FieldUuid, id);
    o.insert(Protocol::FieldItemType, type);
    return o;
}

void StateItem::noteReplaced(const QString &key, const QJsonValue &replaced, bool keyRemoved)
{
    constexpr qint64 MinWaste = 4096; // small items are rebuilt rarely: a rebuild costs as much as a copy
    if (replaced.isString() || replaced.isArray() || replaced.isObject())
        wasteBytes += JsonStorage::footprint(replaced);
    if (keyRemoved)
        wasteBytes += 16 + key.size();
    if (wasteBytes <= MinWaste + liveBytes)
        return;
    data = JsonStorage::rebuilt(data);
    liveBytes = JsonStorage::footprint(data);
    wasteBytes = 0;
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
