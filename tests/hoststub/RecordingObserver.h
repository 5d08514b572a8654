// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/isceneobserver.h>

#include <QList>
#include <QString>
#include <QStringList>

/// Records every scene notification, in order, for the tests to inspect.
class RecordingObserver : public Optiverse::ISceneObserver
{
public:
    struct Event
    {
        QString kind; // added, moved, updated, removed, drag
        Optiverse::SceneItem item;
        QStringList changedKeys;
        Optiverse::ChangeOrigin origin = Optiverse::ChangeOrigin::Local;
        bool dragging = false;
    };

    void itemAdded(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override
    {
        events.append({QStringLiteral("added"), item, {}, origin, false});
    }
    void itemMoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override
    {
        events.append({QStringLiteral("moved"), item, {}, origin, false});
    }
    void itemUpdated(const Optiverse::SceneItem &item, const QStringList &changedKeys,
                     Optiverse::ChangeOrigin origin) override
    {
        QStringList keys = changedKeys;
        keys.sort();
        events.append({QStringLiteral("updated"), item, keys, origin, false});
    }
    void itemRemoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override
    {
        events.append({QStringLiteral("removed"), item, {}, origin, false});
    }
    void itemDragStateChanged(const QUuid &uuid, bool dragging) override
    {
        events.append({QStringLiteral("drag"), {uuid, {}, {}}, {}, Optiverse::ChangeOrigin::Local, dragging});
    }

    QStringList kinds() const
    {
        QStringList k;
        for (const Event &e : events)
            k.append(e.kind);
        return k;
    }

    QList<Event> events;
};
