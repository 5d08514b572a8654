// SPDX-License-Identifier: MIT
#include "MemoryScene.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>

using namespace Optiverse;

namespace {
bool fail(QString *error, const QString &text)
{
    if (error)
        *error = text;
    return false;
}
} // namespace

template<typename F>
void MemoryScene::notify(F f)
{
    const auto observers = m_observers; // observers may unregister while notified
    for (ISceneObserver *o : observers)
        if (m_observers.contains(o))
            f(o);
}

QList<SceneItem> MemoryScene::items() const
{
    return m_items.values();
}

SceneItem MemoryScene::item(const QUuid &uuid) const
{
    return m_items.value(uuid);
}

bool MemoryScene::addItem(const SceneItem &item, ChangeOrigin origin, QString *errorString)
{
    if (item.uuid.isNull())
        return fail(errorString, QStringLiteral("Item id must not be null"));
    if (m_items.contains(item.uuid))
        return fail(errorString, QStringLiteral("An item with id %1 already exists").arg(item.uuid.toString()));
    if (refusedTypes.contains(item.type))
        return fail(errorString, QStringLiteral("This host cannot show items of type %1").arg(item.type));
    m_items.insert(item.uuid, item);
    remoteChanges += origin == ChangeOrigin::Remote;
    notify([&](ISceneObserver *o) { o->itemAdded(item, origin); });
    return true;
}

bool MemoryScene::moveItem(const QUuid &uuid, double xMm, double yMm, double angleDeg, ChangeOrigin origin,
                           QString *errorString)
{
    auto it = m_items.find(uuid);
    if (it == m_items.end())
        return fail(errorString, QStringLiteral("No item with id %1").arg(uuid.toString()));
    it->data.insert(QLatin1String(kXmm), xMm);
    it->data.insert(QLatin1String(kYmm), yMm);
    it->data.insert(QLatin1String(kAngleDeg), angleDeg);
    const SceneItem copy = *it;
    remoteChanges += origin == ChangeOrigin::Remote;
    notify([&](ISceneObserver *o) { o->itemMoved(copy, origin); });
    return true;
}

bool MemoryScene::updateItem(const QUuid &uuid, const QJsonObject &data, ChangeOrigin origin, QString *errorString)
{
    auto it = m_items.find(uuid);
    if (it == m_items.end())
        return fail(errorString, QStringLiteral("No item with id %1").arg(uuid.toString()));
    QStringList changed;
    for (auto k = data.begin(); k != data.end(); ++k) {
        if (it->data.value(k.key()) != k.value()) {
            it->data.insert(k.key(), k.value());
            changed.append(k.key());
        }
    }
    if (changed.isEmpty())
        return true;
    const SceneItem copy = *it;
    remoteChanges += origin == ChangeOrigin::Remote;
    notify([&](ISceneObserver *o) { o->itemUpdated(copy, changed, origin); });
    return true;
}

bool MemoryScene::removeItem(const QUuid &uuid, ChangeOrigin origin, QString *errorString)
{
    auto it = m_items.find(uuid);
    if (it == m_items.end())
        return fail(errorString, QStringLiteral("No item with id %1").arg(uuid.toString()));
    const SceneItem copy = *it;
    m_items.erase(it);
    remoteChanges += origin == ChangeOrigin::Remote;
    notify([&](ISceneObserver *o) { o->itemRemoved(copy, origin); });
    return true;
}

void MemoryScene::addObserver(ISceneObserver *observer)
{
    if (!m_observers.contains(observer))
        m_observers.append(observer);
}

void MemoryScene::removeObserver(ISceneObserver *observer)
{
    m_observers.removeAll(observer);
}

QByteArray MemoryScene::dump() const
{
    QList<SceneItem> list = m_items.values();
    std::sort(list.begin(), list.end(), [](const SceneItem &a, const SceneItem &b) { return a.uuid < b.uuid; });
    QJsonArray array;
    for (const SceneItem &i : list)
        array.append(QJsonObject{{QLatin1String("item_uuid"), i.uuid.toString(QUuid::WithoutBraces)},
                                 {QLatin1String("item_type"), i.type},
                                 {QLatin1String("data"), i.data}});
    return QJsonDocument(QJsonObject{{QLatin1String("items"), array}}).toJson(QJsonDocument::Indented);
}
