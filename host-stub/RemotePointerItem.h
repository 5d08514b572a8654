// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <QGraphicsItem>
#include <QString>

/**
 * A remote user's pointer: a small arrow and their name in their colour.
 * Ignores the view transform so it keeps its size at any zoom.
 */
class RemotePointerItem : public QGraphicsItem
{
public:
    enum { Type = UserType + 0x5052 };

    RemotePointerItem(const QString &name, const QColor &color);

    int type() const override { return Type; }
    void setAppearance(const QString &name, const QColor &color);
    QString name() const { return m_name; }
    QColor color() const { return m_color; }

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option,
               QWidget *widget) override;

private:
    void updateGeometry();

    QString m_name;
    QColor m_color;
    QRectF m_labelRect;
    QRectF m_bounds;
};
