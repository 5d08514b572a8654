// SPDX-License-Identifier: MIT
#include "EditingOverlay.h"

#include "HostScene.h"
#include "OpticalItem.h"

#include <QBrush>
#include <QGraphicsPathItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QPen>

using Optiverse::ChangeOrigin;
using Optiverse::SceneItem;

namespace {
constexpr double kEditingZ = 1e6 - 2; // above items, below selection outlines and pointers
constexpr double kMarginMm = 3.0;     // outside a selection outline (1.5 mm)
} // namespace

EditingOverlay::EditingOverlay(HostScene *scene, QObject *parent) : QObject(parent), m_scene(scene)
{
    m_scene->addObserver(this);
}

EditingOverlay::~EditingOverlay()
{
    m_scene->removeObserver(this);
    clearRemoteEditing();
}

void EditingOverlay::setRemoteEditing(const QString &userKey, const QString &displayName, const QColor &color,
                                      const QList<QUuid> &uuids)
{
    if (uuids.isEmpty()) {
        remove(userKey);
        emit remoteEditingChanged();
        return;
    }
    Editing &e = m_editing[userKey];
    e.name = displayName;
    e.color = color;
    e.uuids = uuids;
    if (!e.outline) {
        e.outline = new QGraphicsPathItem;
        e.outline->setZValue(kEditingZ);
        e.outline->setAcceptedMouseButtons(Qt::NoButton);
        m_scene->graphicsScene()->addItem(e.outline);
        e.label = new QGraphicsSimpleTextItem;
        e.label->setZValue(kEditingZ);
        e.label->setAcceptedMouseButtons(Qt::NoButton);
        e.label->setFlag(QGraphicsItem::ItemIgnoresTransformations); // readable at any zoom
        m_scene->graphicsScene()->addItem(e.label);
    }
    QPen pen(color, 3, Qt::DashLine);
    pen.setCosmetic(true);
    e.outline->setPen(pen);
    e.label->setBrush(color.darker(130));
    e.label->setText(tr("%1 is editing").arg(displayName));
    refresh(e);
    emit remoteEditingChanged();
}

void EditingOverlay::clearRemoteEditing()
{
    const QStringList keys = m_editing.keys();
    for (const QString &key : keys)
        remove(key);
    emit remoteEditingChanged();
}

void EditingOverlay::remove(const QString &userKey)
{
    const Editing e = m_editing.take(userKey);
    delete e.outline;
    delete e.label;
}

void EditingOverlay::addEditingObserver(Optiverse::IEditingObserver *observer)
{
    if (observer && !m_observers.contains(observer))
        m_observers.append(observer);
}

void EditingOverlay::removeEditingObserver(Optiverse::IEditingObserver *observer)
{
    m_observers.removeAll(observer);
}

void EditingOverlay::setLocallyOpen(const QUuid &uuid, bool open)
{
    if (open == m_local.contains(uuid))
        return;
    if (open)
        m_local.append(uuid);
    else
        m_local.removeAll(uuid);
    const QList<Optiverse::IEditingObserver *> observers = m_observers; // hooks may unregister
    for (Optiverse::IEditingObserver *o : observers)
        if (m_observers.contains(o))
            o->localEditingChanged(m_local);
}

QStringList EditingOverlay::editorsOf(const QUuid &uuid) const
{
    QStringList names;
    for (const Editing &e : m_editing)
        if (e.uuids.contains(uuid))
            names.append(e.name);
    names.sort();
    return names;
}

QGraphicsPathItem *EditingOverlay::outline(const QString &userKey) const
{
    return m_editing.value(userKey).outline;
}

QGraphicsSimpleTextItem *EditingOverlay::label(const QString &userKey) const
{
    return m_editing.value(userKey).label;
}

void EditingOverlay::refresh(Editing &editing)
{
    QPainterPath path;
    for (const QUuid &uuid : std::as_const(editing.uuids)) {
        const OpticalItem *item = m_scene->findItem(uuid);
        if (!item) // unknown or removed: ignored
            continue;
        const QRectF r = item->boundingRect().adjusted(-kMarginMm, -kMarginMm, kMarginMm, kMarginMm);
        path.addPolygon(item->sceneTransform().map(QPolygonF(r)));
        path.closeSubpath();
    }
    editing.outline->setPath(path);
    // The label sits just above the outline's top-left corner.
    const QRectF bounds = path.boundingRect();
    editing.label->setVisible(!path.isEmpty());
    editing.label->setPos(bounds.topLeft());
    editing.label->setTransform(QTransform::fromTranslate(0, -editing.label->boundingRect().height()));
}

void EditingOverlay::itemChanged(const QUuid &uuid)
{
    for (Editing &e : m_editing)
        if (e.uuids.contains(uuid))
            refresh(e);
}

void EditingOverlay::itemAdded(const SceneItem &item, ChangeOrigin) { itemChanged(item.uuid); }
void EditingOverlay::itemMoved(const SceneItem &item, ChangeOrigin) { itemChanged(item.uuid); }
void EditingOverlay::itemUpdated(const SceneItem &item, const QStringList &, ChangeOrigin) { itemChanged(item.uuid); }

void EditingOverlay::itemRemoved(const SceneItem &item, ChangeOrigin)
{
    itemChanged(item.uuid);
    if (m_local.contains(item.uuid))
        setLocallyOpen(item.uuid, false);
}
